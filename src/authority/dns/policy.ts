// Answers for record-set groups that are more than a weighted draw: health checks, failover, multivalue,
// latency, geolocation, geoproximity and alias sets. Decided per query (health changes without a commit),
// off the hot path: plain groups never come here (see RRGroup.plain).
//
// Rules (Route53's where it has one; docs/authority.md's "Routing policies in answers" says the same):
// - A set is healthy unless its HealthCheckId is known to the HealthView and unhealthy; an alias with
//   EvaluateTargetHealth is also unhealthy when no set of its target is healthy. Fail open: when no set of a
//   group is healthy, every set counts as healthy.
// - weighted: a draw by weight among the healthy sets (uniform when their weights are all 0).
// - failover: PRIMARY when healthy, else SECONDARY when healthy, else (fail open) PRIMARY.
// - multivalue: up to 8 healthy sets, a random subset in random order, in one answer.
// - The face cannot place a client: geolocation answers with the default location (`*`) set, NODATA when
//   there is none (as Route53 does for a client no location matches); latency with the healthy set whose
//   region sorts first; geoproximity with the healthy set of the highest bias (ties by SetIdentifier).
// - An alias is answered with its target's answer, owned by the question name with the target's TTL: the
//   target is looked up by name and the alias's type in the zone its HostedZoneId names, or, for another
//   zone id (an AWS service's), in whichever zone the face serves that name. Not found: NODATA.
import type { HealthView } from '../health/view.js';
import { healthyUnder } from '../health/view.js';
import { policyOf } from '../store/routing.js';
import type { EncodedSet } from './set-encoding.js';
import { SectionWriter, TYPE_CODES, questionDictionary, writeAnswer } from './wire.js';
import { pickSet, type FaceIndex, type RRGroup, type ZoneIndex } from './zone-index.js';

const MAX_MULTIVALUE = 8;
/** Alias chains longer than this (or loops) answer nothing. */
const MAX_ALIAS_DEPTH = 8;
/** At most this many alias targets are followed for one answer: a zone of aliases to groups of aliases must not
 * make one query cost exponential work. */
const MAX_ALIAS_STEPS = 64;
/** Types whose pre-encoded RDATA may point into the question name: re-encoded when the question differs. */
const NAMED_TYPES = new Set(['CNAME', 'MX', 'NS', 'PTR', 'SOA']);

export interface PolicyContext {
  readonly index: FaceIndex;
  readonly zone: ZoneIndex;
  readonly health: HealthView;
  /** Where the answer section starts (after the question). */
  readonly questionEnd: number;
  /** The question name's labels, for compressing re-encoded names against it. */
  questionLabels(): Buffer[];
  /** Per query: alias sets whose target health was evaluated, so each is evaluated once (and loops end). */
  evaluated?: Map<EncodedSet, boolean>;
}

export interface PolicyAnswer {
  bytes: Buffer;
  count: number;
  /** The set whose own bytes these are (its targets' addresses may follow in additional); absent when built here. */
  own?: EncodedSet;
}

/** The answer for a group, or null for none (NODATA). */
export function answerGroup(group: RRGroup, ctx: PolicyContext): PolicyAnswer | null {
  const via = { alias: false, steps: 0 };
  const sets = concreteSets(group, ctx, 0, via);
  if (sets.length === 0) return null;
  if (sets.length === 1 && !via.alias) return { bytes: sets[0].bytes, count: sets[0].count, own: sets[0] };
  return merge(sets, ctx);
}

/** The sets with values that answer a group: the chosen ones, each alias replaced by what its target answers. */
function concreteSets(
  group: RRGroup,
  ctx: PolicyContext,
  depth: number,
  via: { alias: boolean; steps: number },
): EncodedSet[] {
  const out: EncodedSet[] = [];
  for (const set of choose(group, ctx, depth)) {
    if (set.aliasKey === undefined) {
      out.push(set);
      continue;
    }
    via.alias = true;
    const target = depth < MAX_ALIAS_DEPTH && ++via.steps <= MAX_ALIAS_STEPS ? targetGroup(set, ctx) : undefined;
    if (target) out.push(...(target.plain ? [pickSet(target)] : concreteSets(target, ctx, depth + 1, via)));
  }
  return out;
}

/** The sets one answer carries, by the group's policy and the sets' health. */
function choose(group: RRGroup, ctx: PolicyContext, depth: number): EncodedSet[] {
  const healthy = group.sets.filter((set) => setHealthy(set, ctx, depth));
  const pool = healthy.length ? healthy : group.sets; // fail open
  switch (policyOf(group.sets[0].source)) {
    case 'simple':
      return [pool[0]];
    case 'weighted':
      return [draw(pool)];
    case 'failover':
      return [pool.find((set) => set.source.failover === 'PRIMARY') ?? pool[0]];
    case 'multivalue':
      return shuffled(pool).slice(0, MAX_MULTIVALUE);
    case 'latency':
      return [[...pool].sort((a, b) => compare(a.source.region, b.source.region))[0]];
    case 'geoproximity':
      return [
        [...pool].sort(
          (a, b) =>
            (b.source.geoProximityLocation?.bias ?? 0) - (a.source.geoProximityLocation?.bias ?? 0) ||
            compare(a.source.setIdentifier, b.source.setIdentifier),
        )[0],
      ];
    case 'geolocation': {
      const defaults =
        pool.find((set) => set.source.geoLocation?.countryCode === '*') ??
        group.sets.find((set) => set.source.geoLocation?.countryCode === '*');
      return defaults ? [defaults] : [];
    }
  }
}

function compare(a: string | undefined, b: string | undefined): number {
  return (a ?? '') < (b ?? '') ? -1 : (a ?? '') > (b ?? '') ? 1 : 0;
}

function draw(sets: readonly EncodedSet[]): EncodedSet {
  const total = sets.reduce((sum, set) => sum + set.weight, 0);
  if (total === 0) return sets[Math.floor(Math.random() * sets.length)];
  let at = Math.random() * total;
  for (const set of sets) if ((at -= set.weight) < 0) return set;
  return sets[sets.length - 1];
}

function shuffled<T>(items: readonly T[]): T[] {
  const out = [...items];
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(Math.random() * (i + 1));
    [out[i], out[j]] = [out[j], out[i]];
  }
  return out;
}

function setHealthy(set: EncodedSet, ctx: PolicyContext, depth: number): boolean {
  if (!healthyUnder(ctx.health, set.source.healthCheckId)) return false;
  if (set.aliasKey === undefined || !set.source.aliasTarget?.evaluateTargetHealth) return true;
  const evaluated = (ctx.evaluated ??= new Map());
  const known = evaluated.get(set);
  if (known !== undefined) return known;
  evaluated.set(set, true); // a loop back to this set counts as healthy, not as infinite work
  const target = targetGroup(set, ctx);
  // No target here: an AWS service's, nothing to evaluate.
  const healthy =
    !target || (depth < MAX_ALIAS_DEPTH && target.sets.some((member) => setHealthy(member, ctx, depth + 1)));
  evaluated.set(set, healthy);
  return healthy;
}

/** The group an alias set points at: its name and the alias's type, in the target's zone. */
function targetGroup(set: EncodedSet, ctx: PolicyContext): RRGroup | undefined {
  const key = set.aliasKey!;
  let zone = ctx.index.byId.get(set.source.aliasTarget!.hostedZoneId);
  if (!zone || !zone.state.tree.holds(key)) {
    zone = undefined;
    for (let at = 0; at < key.length && !zone; at += key.charCodeAt(at) + 1) zone = ctx.index.byApex.get(key.slice(at));
  }
  return zone?.names.get(key)?.types.get(TYPE_CODES[set.source.type]);
}

/**
 * Several sets in one answer (multivalue), or a set answered under another name (alias). Pre-encoded records
 * are owned by a pointer to the question and carry no other pointer unless their type names a host: those are
 * written again here, compressed against this question.
 */
function merge(sets: readonly EncodedSet[], ctx: PolicyContext): PolicyAnswer {
  if (!sets.some((set) => NAMED_TYPES.has(set.source.type))) {
    return { bytes: Buffer.concat(sets.map((set) => set.bytes)), count: sets.reduce((n, set) => n + set.count, 0) };
  }
  const labels = ctx.questionLabels();
  const w = new SectionWriter(ctx.questionEnd, () => questionDictionary(labels));
  let count = 0;
  for (const { source } of sets) {
    for (const value of source.values) writeAnswer(w, source.type, source.ttl, value);
    count += source.values.length;
  }
  return { bytes: w.toBuffer(), count };
}
