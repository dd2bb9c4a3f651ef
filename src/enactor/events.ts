// What an enactor tells its observers (the race reproduction, the dashboard, tests) and Prometheus.
import { counter, gauge, histogram } from '../telemetry/metrics.js';
import type { RefusalReason } from './guard.js';

interface Base {
  enactor: string;
  generation: number;
}

export type EnactorEvent =
  | (Base & { type: 'batch-sent'; batch: string; endpoints: string[]; changes: number; elements: number })
  | (Base & { type: 'batch-accepted'; batch: string; endpoints: string[]; changeId?: string; durationMs: number })
  | (Base & { type: 'batch-rejected'; batch: string; endpoints: string[]; error: string; durationMs: number })
  | (Base & { type: 'batch-failed'; batch: string; endpoints: string[]; error: string; durationMs: number })
  | (Base & { type: 'refused'; endpoint: string; reason: RefusalReason; message: string })
  | (Base & { type: 'stood-down'; endpoint: string; liveGeneration: number; why: string })
  /** An endpoint not enacted in this pass: its batch still rejected after the rounds, or its fate unknown. */
  | (Base & { type: 'endpoint-failed'; endpoint: string; error: string })
  | { type: 'retry'; enactor: string; operation: string; error: string; delayMs: number }
  /** After every batch of a pass: how far along it is (for progress lines on long passes). */
  | (Base & {
      type: 'progress';
      batchesDone: number;
      batchesTotal: number;
      endpointsDone: number;
      endpointsTotal: number;
      elapsedMs: number;
    });

export const enactorMetrics = {
  batchesSent: counter('dnsplane_enactor_batches_sent_total', 'ChangeResourceRecordSets batches sent', ['enactor']),
  batchesAccepted: counter('dnsplane_enactor_batches_accepted_total', 'Batches Route53 accepted', ['enactor']),
  batchesRejected: counter(
    'dnsplane_enactor_batches_rejected_total',
    'Batches Route53 rejected as a whole (InvalidChangeBatch)',
    ['enactor'],
  ),
  batchesFailed: counter(
    'dnsplane_enactor_batches_failed_total',
    'Batches that failed for other reasons after retries',
    ['enactor'],
  ),
  guardRefusals: counter('dnsplane_enactor_guard_refusals_total', 'Endpoints the guard refused to change', [
    'enactor',
    'reason',
  ]),
  endpointsFailed: counter(
    'dnsplane_enactor_endpoints_failed_total',
    'Endpoints a pass could not enact (batch still rejected after the rounds, or its fate unknown)',
    ['enactor'],
  ),
  fenceConflicts: counter(
    'dnsplane_enactor_fence_conflicts_total',
    'Shards whose fence had moved past our generation (stood down)',
    ['enactor'],
  ),
  generationsApplied: counter(
    'dnsplane_enactor_generations_applied_total',
    'Endpoint generations applied (including repairs)',
    ['enactor', 'kind'],
  ),
  liveGeneration: gauge(
    'dnsplane_enactor_live_generation',
    'Generation this enactor last saw or wrote in a shard fence',
    ['shard'],
  ),
  generationConflicts: counter(
    'dnsplane_enactor_generation_conflicts_total',
    'Shards whose fence has our generation with other content: two plans stored under one generation (stood down)',
    ['enactor'],
  ),
  endpointPoisoned: gauge(
    'dnsplane_endpoint_poisoned',
    "1 while Route53 refuses the endpoint's changes on their own (excluded from its shard, x= in the fence)",
    ['endpoint'],
  ),
  batchSeconds: histogram(
    'dnsplane_enactor_batch_seconds',
    'Duration of ChangeResourceRecordSets calls including retries',
    ['enactor'],
    [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
  ),
};
