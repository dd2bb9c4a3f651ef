// What an Enactor is given (EnactorOptions), what one pass reports (RunSummary), and what a pass carries between
// its steps (PassContext): the types the pass (enactor.ts), the sending (send.ts) and the conflict handling
// (conflict.ts) share.
import type { Plan } from '../plan/schema.js';
import type { PlanStore } from '../plan/store.js';
import type { RetryPolicy } from '../route53/caller.js';
import type { RequestLimits } from '../route53/change-batch.js';
import type { Route53Port } from '../route53/port.js';
import type { RateLimiter, RetryBudget } from '../route53/throttle.js';
import type { Logger } from '../telemetry/logger.js';
import type { AuditLog } from './audit.js';
import type { ShardUnit } from './decide.js';
import type { GuardOptions, RefusalReason } from './guard.js';
import type { ShardFence } from './shard-fence.js';

export interface EnactorOptions {
  /** Written into every fence and audit line. */
  id: string;
  store: PlanStore;
  /**
   * Route53. A Route53Caller is used as it is (its limiter and retry budget shared with whoever else holds it, as
   * the CLI's commands do); any other port (an SDK client through sdkPort, created with maxAttempts: 1) gets a
   * caller of its own, with `limiter` or `rateLimit`, `budget` and `retry` below.
   */
  client: Route53Port;
  /** Hosted zone name or id; defaults to the plan's zone. */
  zone?: string;
  logger?: Logger;
  guard?: Partial<GuardOptions>;
  /** Shared limiter (several enactors in one process can share one); or requests per second for a private one. */
  limiter?: RateLimiter;
  rateLimit?: number;
  budget?: RetryBudget;
  retry?: Partial<RetryPolicy>;
  limits?: RequestLimits;
  /** Poll interval of run() in ms (default 1000). */
  intervalMs?: number;
  audit?: AuditLog;
  /** When set, runs cleanup with this retention after every run that changed something. */
  cleanupRetention?: number;
  /** Rounds of re-read-and-resend after a rejected batch (default 4). */
  conflictRounds?: number;
  /** Batches in flight at once (default 1); the rate limiter still spaces the requests. */
  concurrency?: number;
  /**
   * Drift sweep interval (default 10 s; 0 = every pass): the fences, then ONE page of records (rotating through
   * the zone) checked against the plans the fences name, drift repaired with a fenced batch. Between sweeps an
   * enactor that saw every shard in sync with an unchanged plan reads nothing but the plan store.
   */
  verifyEveryMs?: number;
  /**
   * 'every-shard' (the protocol): every generation moves every shard fence. 'changed-shards-only' moves only the
   * fences of shards whose content changes: UNSAFE (a delayed batch of an older generation lands on a shard the
   * newer plans left alone); kept only so that a test shows the counterexample.
   */
  fenceMoves?: 'every-shard' | 'changed-shards-only';
  /** Asked at the start of every pass; true = the plan store is frozen (plan/freeze.ts): change nothing. */
  frozen?: () => Promise<boolean>;
  /**
   * Preview (`enact --dry-run`): the pass reads the fences and every record of the zone, decides exactly as a
   * writing pass does, and returns the units it would send (summary.preview) instead of sending them.
   */
  dryRun?: boolean;
  /**
   * The deployment's owner id (default 'default': fences keep their original names). Deployments with different
   * ids keep separate shard fences in one zone and never change each other's sets (ownership, shard-state.ts).
   */
  ownerId?: string;
  /**
   * run() consults the enactment hint in the plan store (hints.ts) unless this is false: one enactor claims a
   * generation and the others wait instead of sending copies the fences reject. runOnce() never does (a
   * one-off pass always reads the fences) unless asked to.
   */
  hints?: boolean;
  /** A claim whose beat has not moved for this long is abandoned (default 10 s). */
  hintTimeoutMs?: number;
}

export interface RunSummary {
  generation?: number;
  applied: string[];
  repaired: string[];
  inSync: string[];
  stoodDown: string[];
  refused: Array<{ endpoint: string; reason: RefusalReason; message: string }>;
  failed: Array<{ endpoint: string; error: string }>;
  /** Endpoints excluded from their shard because Route53 refuses their changes on their own (x= in the fence). */
  poisoned: string[];
  batches: number;
  /** Dry run: the units this pass would send, in order (none is sent). */
  preview?: ShardUnit[];
  /** The change-share refusal of the whole pass, if any (its units are not sent). */
  passRefusal?: { reason: RefusalReason; message: string };
  /** Every stored plan is below the live fences: the plan store is behind the zone (nothing can be applied). */
  storeBehind?: StoreBehindZone;
  /** The enactment hint decided this pass: wait (another enactor holds the claim) or trust (it says enacted). */
  hint?: { action: 'wait' | 'trust'; enactor: string };
}

export interface StoreBehindZone {
  highestPlan: number;
  highestFence: number;
}

/** What an operator reads when every stored plan is below the live fences, and what to run. */
export function describeStoreBehindZone({ highestPlan, highestFence }: StoreBehindZone): string {
  const plans = highestPlan > 0 ? `highest plan ${highestPlan}` : 'it holds no plan';
  return `plan store is behind the zone: ${plans}, live fences at ${highestFence}; run \`dnsplane plan --write\` (it numbers from the live fences) or point --plans at the right store`;
}

export const DEFAULT_VERIFY_EVERY_MS = 10_000;

/** What one pass carries between its steps. */
export interface PassContext {
  plan: Plan;
  zone: string;
  zoneId: string;
  summary: RunSummary;
  /** Each shard's fence as this pass last knows it (read, or written by an accepted unit). */
  final: Map<number, ShardFence | undefined>;
  /** Endpoints excluded in this pass (refused by the guard, found poisoned): not tried alone again before the next. */
  excludedNow: Set<string>;
}
