// The probe's last word per endpoint, on disk, so that `dnsplane status` (another process) can show whether
// the endpoints resolve without running a probe itself. Written whole and renamed into place after every
// round, so a reader never sees half a file.
import { z } from 'zod';
import { readJsonFile, writeJsonFile } from '../files/json.js';
import { PROBE_RESULTS } from './classify.js';
import { DIAGNOSES, diagnose, overallDiagnosis } from './diagnosis.js';
import type { Probe } from './probe.js';

export const DEFAULT_STATUS_FILE = '.dnsplane/probe-status.json';

const isoTime = z.string().datetime();

export const ProbeStatusSchema = z.object({
  version: z.literal(1),
  updatedAt: isoTime,
  /** The plan generation of the last round, when probing a plan. */
  generation: z.number().int().optional(),
  intervalMs: z.number(),
  /** Which part fails, worst endpoint first (absent in files from before diagnoses). */
  diagnosis: z.object({ diagnosis: z.enum(DIAGNOSES), detail: z.string() }).optional(),
  diagnoses: z.array(z.object({ endpoint: z.string(), diagnosis: z.enum(DIAGNOSES), detail: z.string() })).optional(),
  endpoints: z.array(
    z.object({
      /** "name TYPE". */
      endpoint: z.string(),
      path: z.enum(['authority', 'resolver']),
      server: z.string(),
      result: z.enum(PROBE_RESULTS),
      values: z.array(z.string()),
      rcode: z.string().optional(),
      at: isoTime,
      latencyMs: z.number().optional(),
      observations: z.number().int(),
      availability: z.number().min(0).max(1),
      firstBadAt: isoTime.optional(),
      badSince: isoTime.optional(),
      recoveredAt: isoTime.optional(),
    }),
  ),
});

export type ProbeStatus = z.infer<typeof ProbeStatusSchema>;

export function probeStatus(probe: Probe, generation?: number): ProbeStatus {
  const optional = (key: string, at: number | undefined): Record<string, string> =>
    at === undefined ? {} : { [key]: new Date(at).toISOString() };
  const diagnoses = diagnose(probe.endpoints());
  return {
    version: 1,
    updatedAt: new Date().toISOString(),
    ...(generation !== undefined ? { generation } : {}),
    intervalMs: probe.intervalMs,
    diagnosis: overallDiagnosis(diagnoses),
    diagnoses,
    endpoints: probe.endpoints().map((health) => ({
      endpoint: health.endpoint,
      path: health.path,
      server: health.last.server,
      result: health.last.result,
      values: health.last.values,
      ...(health.last.rcode !== undefined ? { rcode: health.last.rcode } : {}),
      at: new Date(health.last.at).toISOString(),
      ...(health.last.latencyMs !== undefined ? { latencyMs: Math.round(health.last.latencyMs * 1000) / 1000 } : {}),
      observations: health.observations,
      availability: health.availability,
      ...optional('firstBadAt', health.firstBadAt),
      ...optional('badSince', health.badSince),
      ...optional('recoveredAt', health.recoveredAt),
    })),
  };
}

export async function writeProbeStatus(file: string, status: ProbeStatus): Promise<void> {
  await writeJsonFile(file, status);
}

/** The last status a probe wrote, or undefined when no probe has run. A corrupt file is an error naming it. */
export async function readProbeStatus(file = DEFAULT_STATUS_FILE): Promise<ProbeStatus | undefined> {
  const json = await readJsonFile(file, 'probe status file');
  if (json === undefined) return undefined;
  const parsed = ProbeStatusSchema.safeParse(json);
  if (!parsed.success) throw new Error(`${file} is not a probe status file:\n${z.prettifyError(parsed.error)}`);
  return parsed.data;
}

/**
 * Why the status file is too old to trust, or undefined while it is fresh. A probe that died leaves its last
 * word behind, and a dashboard showing that word as current is the unwatched endpoint all over again.
 */
export function probeStatusStaleness(
  file: string,
  status: ProbeStatus | undefined,
  now = Date.now(),
): string | undefined {
  if (!status) return undefined;
  const ageMs = now - Date.parse(status.updatedAt);
  if (ageMs <= Math.max(10 * status.intervalMs, 15_000)) return undefined;
  return `${file} was last written ${Math.round(ageMs / 1000)} s ago (${status.updatedAt}), though its probe runs every ${status.intervalMs} ms: is \`dnsplane probe\` still running? Its results are old`;
}
