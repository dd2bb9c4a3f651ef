// Human-readable probe output: one line whenever an endpoint's result changes, and a closing table. A line per
// query at 50 ms intervals would bury the one line that matters, the first NODATA.
import { diagnose, overallDiagnosis } from './diagnosis.js';
import type { EndpointHealth, Observation } from './health.js';
import type { ProbeSummary } from './probe.js';

function clock(at: number): string {
  return new Date(at).toISOString().slice(11, 23);
}

function pad(text: string, width: number): string {
  return text.length >= width ? text : text + ' '.repeat(width - text.length);
}

function shortValues(values: readonly string[]): string {
  if (values.length === 0) return '-';
  const shown = values.slice(0, 4).join(',');
  return values.length > 4 ? `${shown},+${values.length - 4}` : shown;
}

export const CHANGE_HEADER = `${pad('TIME', 12)}  ${pad('ENDPOINT', 34)}  ${pad('PATH', 9)}  ${pad('RESULT', 8)}  ${pad('MS', 6)}  VALUES`;

export function formatChange(observation: Observation): string {
  const latency = observation.latencyMs === undefined ? '-' : observation.latencyMs.toFixed(1);
  const values =
    observation.detail && observation.values.length === 0 ? observation.detail : shortValues(observation.values);
  return `${clock(observation.at)}  ${pad(observation.endpoint, 34)}  ${pad(observation.path, 9)}  ${pad(observation.result.toUpperCase(), 8)}  ${pad(latency, 6)}  ${values}`;
}

/**
 * Remembers each endpoint's last state and says whether a new observation differs. A weighted endpoint
 * alternates between its planned sets on every query; that is the plan working, so among answered results only
 * the result counts, while a wrong answer that changes its values is news.
 */
export class ChangeFilter {
  private readonly last = new Map<string, string>();

  changed(observation: Observation): boolean {
    const key = `${observation.endpoint}|${observation.path}`;
    const values = observation.result === 'answered' ? '' : [...observation.values].sort().join(',');
    const state = `${observation.result}|${values}`;
    if (this.last.get(key) === state) return false;
    this.last.set(key, state);
    return true;
  }
}

export function formatSummary(summary: ProbeSummary, endpoints: readonly EndpointHealth[]): string {
  const lines = [
    `${pad('ENDPOINT', 34)}  ${pad('PATH', 9)}  ${pad('LAST', 8)}  ${pad('AVAIL', 7)}  ${pad('FIRST BAD', 12)}  RECOVERED`,
    ...endpoints.map(
      (health) =>
        `${pad(health.endpoint, 34)}  ${pad(health.path, 9)}  ${pad(health.last.result.toUpperCase(), 8)}  ${pad(`${(health.availability * 100).toFixed(1)}%`, 7)}  ${pad(health.firstBadAt === undefined ? '-' : clock(health.firstBadAt), 12)}  ${health.recoveredAt === undefined ? (health.badSince === undefined ? '-' : 'still bad') : clock(health.recoveredAt)}`,
    ),
  ];
  const counts = Object.entries(summary.byResult)
    .filter(([, count]) => count > 0)
    .map(([result, count]) => `${result} ${count}`)
    .join(', ');
  lines.push(`${summary.rounds} rounds, ${summary.observations} observations${counts ? `: ${counts}` : ''}`);
  lines.push(formatDiagnosis(overallDiagnosis(diagnose(endpoints))));
  return lines.join('\n');
}

export function formatDiagnosis(overall: { diagnosis: string; detail: string }): string {
  return `diagnosis: ${overall.diagnosis}: ${overall.detail}`;
}
