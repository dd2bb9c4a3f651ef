// What changed between two plans, per endpoint, in a form people read before they --write, and that the
// planner uses to decide whether a new generation means anything.
import { endpointKey, sameValues } from '../route53/recordset.js';
import type { EndpointPlan, Plan, WeightedSet } from './schema.js';

export interface EndpointDiff {
  name: string;
  type: string;
  status: 'added' | 'removed' | 'changed' | 'unchanged';
  ttl?: { from: number; to: number };
  added: WeightedSet[];
  removed: WeightedSet[];
  reweighted: Array<{ setIdentifier: string; from: number; to: number }>;
  revalued: Array<{ setIdentifier: string; from: string[]; to: string[] }>;
}

export interface PlanDiff {
  from?: number;
  to: number;
  zone: { from?: string; to: string };
  endpoints: EndpointDiff[];
  /** True when the plans differ in content (generation and authorship aside). */
  changed: boolean;
}

export function diffPlans(previous: Plan | undefined, next: Plan): PlanDiff {
  const before = new Map(
    (previous?.endpoints ?? []).map((endpoint) => [endpointKey(endpoint.name, endpoint.type), endpoint]),
  );
  const after = new Map(next.endpoints.map((endpoint) => [endpointKey(endpoint.name, endpoint.type), endpoint]));
  const keys = [...new Set([...before.keys(), ...after.keys()])].sort();
  const endpoints = keys.map((key) => diffEndpoint(before.get(key), after.get(key)));
  const zoneChanged = previous !== undefined && previous.zone !== next.zone;
  return {
    ...(previous ? { from: previous.generation } : {}),
    to: next.generation,
    zone: { ...(previous ? { from: previous.zone } : {}), to: next.zone },
    endpoints,
    changed: !previous || zoneChanged || endpoints.some((endpoint) => endpoint.status !== 'unchanged'),
  };
}

function diffEndpoint(before: EndpointPlan | undefined, after: EndpointPlan | undefined): EndpointDiff {
  const subject = (after ?? before)!;
  const diff: EndpointDiff = {
    name: subject.name,
    type: subject.type,
    status: 'unchanged',
    added: [],
    removed: [],
    reweighted: [],
    revalued: [],
  };
  if (!before) return { ...diff, status: 'added', added: [...after!.sets] };
  if (!after) return { ...diff, status: 'removed', removed: [...before.sets] };
  const old = new Map(before.sets.map((set) => [set.setIdentifier, set]));
  const ids = new Set(after.sets.map((set) => set.setIdentifier));
  diff.removed = before.sets.filter((set) => !ids.has(set.setIdentifier));
  for (const set of after.sets) {
    const was = old.get(set.setIdentifier);
    if (!was) diff.added.push(set);
    else {
      if (was.weight !== set.weight)
        diff.reweighted.push({ setIdentifier: set.setIdentifier, from: was.weight, to: set.weight });
      if (!sameValues(was.values, set.values))
        diff.revalued.push({ setIdentifier: set.setIdentifier, from: was.values, to: set.values });
    }
  }
  if (before.ttl !== after.ttl) diff.ttl = { from: before.ttl, to: after.ttl };
  const changed =
    diff.ttl || diff.added.length || diff.removed.length || diff.reweighted.length || diff.revalued.length;
  return { ...diff, status: changed ? 'changed' : 'unchanged' };
}

const describeSet = (set: WeightedSet) => `${set.setIdentifier} weight ${set.weight} [${set.values.join(', ')}]`;

/** A human-readable rendering, one line per change. */
export function formatDiff(diff: PlanDiff): string {
  const lines = [
    `plan generation ${diff.from ?? '(none)'} -> ${diff.to} (zone ${diff.zone.to})${diff.changed ? '' : ': no change'}`,
  ];
  if (diff.zone.from !== undefined && diff.zone.from !== diff.zone.to)
    lines.push(`  zone changed from ${diff.zone.from}`);
  for (const endpoint of diff.endpoints) {
    const marker = { added: '+', removed: '-', changed: '~', unchanged: '=' }[endpoint.status];
    lines.push(
      `  ${marker} ${endpoint.name} ${endpoint.type}${endpoint.status === 'changed' ? '' : ` (${endpoint.status})`}`,
    );
    if (endpoint.ttl) lines.push(`      ttl ${endpoint.ttl.from} -> ${endpoint.ttl.to}`);
    for (const set of endpoint.added) lines.push(`      + ${describeSet(set)}`);
    for (const set of endpoint.removed) lines.push(`      - ${describeSet(set)}`);
    for (const change of endpoint.reweighted)
      lines.push(`      ~ ${change.setIdentifier} weight ${change.from} -> ${change.to}`);
    for (const change of endpoint.revalued)
      lines.push(`      ~ ${change.setIdentifier} values [${change.from.join(', ')}] -> [${change.to.join(', ')}]`);
  }
  return lines.join('\n');
}
