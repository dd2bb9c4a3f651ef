// Validation of one ChangeResourceRecordSets batch with Route53's semantics. The batch is played in order on
// an overlay of the zone (nothing touches the zone itself), every problem is collected, and only a batch
// without problems yields its effects: the record sets to write and the keys to remove. Apply is the store's
// job, so a batch is applied whole or not at all.
import {
  RECORD_TYPES,
  normalizeName,
  sameRecordSet,
  type RecordSet,
  type RecordType,
} from '../../route53/recordset.js';
import { Route53Error, invalidChangeBatch, invalidInput } from './errors.js';
import { changeCost, type ChangeAction } from '../../route53/change-batch.js';
import { BATCH_LIMITS } from './limits.js';
import { groupPrefix, sortKey } from './order.js';
import { policyOf, routingFields, type RequestedRouting } from './routing.js';
import { isDomainName, valueProblem } from './values.js';

/** A change as the request states it; fields may be missing until validation says otherwise. */
export interface RequestedChange extends RequestedRouting {
  action: string;
  name: string;
  type: string;
  ttl?: number;
  setIdentifier?: string;
  /** undefined when the request has no ResourceRecords element. */
  values?: string[];
}

export interface BatchEffects {
  put: RecordSet[];
  remove: string[];
}

/** What validation needs to know about the zone as it stands. */
export interface ZoneLookup {
  apex: string;
  get(sortKey: string): RecordSet | undefined;
  /** Sort keys of the live sets whose key starts with `prefix`. */
  keysWithPrefix(prefix: string): string[];
  /** This zone's id, and another hosted zone the store holds, for aliases that target one (undefined: not ours). */
  id?: string;
  otherZone?(id: string): { apex: string; has(name: string, type: string): boolean } | undefined;
}

const LIMITS = BATCH_LIMITS;
const MAX_TTL = 2147483647;

function describe(set: Pick<RecordSet, 'name' | 'type' | 'setIdentifier'>): string {
  const identifier = set.setIdentifier !== undefined ? `, set-identifier='${set.setIdentifier}'` : '';
  return `[name='${set.name}', type='${set.type}'${identifier}]`;
}

/**
 * Route53's message for a name holding a raw space or tab (escaped, as `\ ` or \040, they are fine), or undefined.
 * It refuses such a name before anything else about the change (ListResourceRecordSets' StartRecordName too).
 */
export function unsupportedCharacterProblem(name: string): string | undefined {
  const found = /(?<!\\)[ \t]/.exec(name);
  return found
    ? `FATAL problem: UnsupportedCharacter (Value contains unsupported characters) encountered with '${found[0]}'`
    : undefined;
}

/** Shape checks that Route53 answers with InvalidInput before it looks at the zone. */
function toRecordSet(change: RequestedChange, index: number): { action: ChangeAction; set: RecordSet } {
  const where = `changeBatch.changes.${index + 1}.member.resourceRecordSet`;
  if (!['CREATE', 'DELETE', 'UPSERT'].includes(change.action)) {
    // Route53 checks the request against its XML schema first; this is its message, word for word.
    throw invalidInput(
      `Invalid XML ; cvc-enumeration-valid: Value '${change.action}' is not facet-valid with respect to enumeration '[CREATE, DELETE, UPSERT]'. It must be a value from the enumeration.`,
    );
  }
  if (!change.name) throw invalidInput(`Invalid request: missing ${where}.name`);
  const unsupported = unsupportedCharacterProblem(change.name.trim());
  // Unbracketed, unlike the batch's other problems: Route53 stops at this one.
  if (unsupported) throw new Route53Error('InvalidChangeBatch', unsupported, 400, [unsupported]);
  if (!(RECORD_TYPES as readonly string[]).includes(change.type)) {
    throw invalidInput(
      `Invalid request: Value '${change.type}' at '${where}.type' failed to satisfy constraint: Member must satisfy enum value set: [${RECORD_TYPES.join(', ')}]`,
    );
  }
  if (change.setIdentifier !== undefined && (change.setIdentifier.length < 1 || change.setIdentifier.length > 128)) {
    throw invalidInput(
      `Invalid request: Value '${change.setIdentifier}' at '${where}.setIdentifier' failed to satisfy constraint: Member must have length between 1 and 128`,
    );
  }
  const routing = routingFields(change, where);
  const name = normalizeName(change.name);
  const type = change.type as RecordType;
  if (routing.aliasTarget) {
    return {
      action: change.action as ChangeAction,
      set: {
        name,
        type,
        ttl: 0,
        ...(change.setIdentifier !== undefined ? { setIdentifier: change.setIdentifier } : {}),
        ...routing,
        values: [],
      },
    };
  }
  if (change.ttl === undefined || change.values === undefined) {
    throw invalidInput(
      `Invalid request: Expected exactly one of [AliasTarget, all of [TTL, and ResourceRecords], or TrafficPolicyInstanceId], but found none in Change with [Action=${change.action}, Name=${change.name}, Type=${change.type}, SetIdentifier=${change.setIdentifier ?? 'null'}]`,
    );
  }
  if (!Number.isInteger(change.ttl) || change.ttl < 0 || change.ttl > MAX_TTL) {
    throw invalidInput(
      `Invalid request: Value '${change.ttl}' at '${where}.TTL' failed to satisfy constraint: Member must have value between 0 and ${MAX_TTL}`,
    );
  }
  if (change.values.length === 0) {
    throw invalidInput(
      `Invalid request: Value '[]' at '${where}.resourceRecords' failed to satisfy constraint: Member must have length greater than or equal to 1`,
    );
  }
  // Sets with routing beyond weights (rare) spread their fields; the common ones are two plain literals: a spread
  // leaves the later properties in a separate out-of-object array, about 40 bytes more for each of the zone's
  // record sets, which live as long as the zone.
  const plain = Object.keys(routing).every((field) => field === 'weight');
  if (!plain)
    return {
      action: change.action as ChangeAction,
      set: {
        name,
        type,
        ttl: change.ttl,
        ...(change.setIdentifier !== undefined ? { setIdentifier: change.setIdentifier } : {}),
        ...routing,
        values: change.values,
      },
    };
  // Two plain literals, not a spread: a spread leaves the later properties in a separate out-of-object array,
  // about 40 bytes more for each of the zone's record sets, which live as long as the zone.
  const set: RecordSet =
    change.setIdentifier !== undefined
      ? {
          name,
          type,
          ttl: change.ttl,
          setIdentifier: change.setIdentifier,
          weight: routing.weight,
          values: change.values,
        }
      : { name, type, ttl: change.ttl, values: change.values };
  return { action: change.action as ChangeAction, set };
}

function requestLimits(changes: Array<{ action: ChangeAction; set: RecordSet }>): string[] {
  const { elements: records, chars } = changeCost(changes);
  const problems: string[] = [];
  if (records > LIMITS.recordsPerRequest)
    problems.push(`Number of records limit of ${LIMITS.recordsPerRequest} exceeded.`);
  if (chars > LIMITS.valueCharsPerRequest)
    problems.push(`Number of characters in values limit of ${LIMITS.valueCharsPerRequest} exceeded.`);
  return problems;
}

function setProblems(set: RecordSet, apex: string): string[] {
  const problems: string[] = [];
  if (!isDomainName(set.name))
    problems.push(
      `Invalid Resource Record: 'FATAL problem: DomainLabelEmpty (Domain label is empty) encountered with '${set.name}''`,
    );
  if (set.name !== apex && !set.name.endsWith(`.${apex}`))
    problems.push(`RRSet with DNS name ${set.name} is not permitted in zone ${apex}`);
  if (set.values.length > LIMITS.valuesPerSet)
    problems.push(`Invalid Request: Number of values for ${describe(set)} exceeds the limit of ${LIMITS.valuesPerSet}`);
  if (set.type === 'CNAME' && set.values.length > 1)
    problems.push(
      `Invalid Resource Record: 'FATAL problem: RRSet of type CNAME with DNS name ${set.name} contains more than one value'`,
    );
  if (set.type === 'CNAME' && set.name === apex)
    problems.push(`RRSet of type CNAME with DNS name ${set.name} is not permitted at apex in zone ${apex}`);
  const distinct = new Set<string>();
  for (const value of set.values) {
    const problem = valueProblem(set.type, value);
    if (problem) problems.push(problem);
    // Route53 refuses a set that names one value twice; a set is a set of values, not a list.
    if (distinct.has(value)) problems.push(`Duplicate Resource Record: '${value}'`);
    distinct.add(value);
  }
  return problems;
}

/** Validates a batch against the zone; returns its effects or throws InvalidChangeBatch/InvalidInput. */
export function validateBatch(view: ZoneLookup, requested: RequestedChange[]): BatchEffects {
  if (requested.length === 0) throw invalidInput('Invalid request: ChangeBatch must contain at least one Change');
  const changes = requested.map(toRecordSet);
  const problems = requestLimits(changes);
  // The zone as the batch leaves it: null marks a removal.
  const overlay = new Map<string, RecordSet | null>();
  const seen = new Map<string, ChangeAction>();
  const current = (key: string): RecordSet | undefined =>
    overlay.has(key) ? (overlay.get(key) ?? undefined) : view.get(key);
  const lastTtl = new Map<string, number>();

  for (const { action, set } of changes) {
    const own = setProblems(set, view.apex);
    problems.push(...own);
    if (own.length > 0) continue;
    const key = sortKey(set.name, set.type, set.setIdentifier);
    // One change per set, except the classic replace: DELETE the old set, then CREATE the new one.
    const earlier = seen.get(key);
    if (earlier !== undefined && !(earlier === 'DELETE' && action === 'CREATE')) {
      problems.push(
        `The request contains an invalid set of changes for a resource record set '${set.type} ${set.name}'`,
      );
      continue;
    }
    seen.set(key, earlier === undefined ? action : 'UPSERT');
    const live = current(key);
    if (action === 'DELETE') {
      if (!live) problems.push(`Tried to delete resource record set ${describe(set)} but it was not found`);
      else if (!sameRecordSet(live, set))
        problems.push(
          `Tried to delete resource record set ${describe(set)} but the values provided do not match the current values`,
        );
      else if (set.name === view.apex && (set.type === 'SOA' || set.type === 'NS'))
        problems.push(
          `A HostedZone must contain exactly one SOA record and at least one NS record for the zone itself; ${describe(set)} cannot be deleted`,
        );
      else overlay.set(key, null);
      continue;
    }
    if (action === 'CREATE' && live) {
      problems.push(`Tried to create resource record set ${describe(set)} but it already exists`);
      continue;
    }
    overlay.set(key, set);
    if (set.weight !== undefined && !set.aliasTarget) lastTtl.set(groupPrefix(set.name, set.type), set.ttl);
  }

  const put: RecordSet[] = [];
  if (problems.length === 0) problems.push(...groupProblems(view, overlay, lastTtl, put));
  if (problems.length === 0) problems.push(...aliasProblems(view, overlay));
  if (problems.length > 0) throw invalidChangeBatch(problems);
  for (const [, set] of overlay) if (set) put.push(set);
  return { put, remove: [...overlay].filter(([, set]) => set === null).map(([key]) => key) };
}

/**
 * Checks that need the final state of each touched name: weighted/simple mix, the 100-set limit and CNAME
 * exclusivity. Weighted groups given a TTL take it for every member (the last one given wins); the extra
 * rewrites are pushed to `put` and recorded in `overlay`.
 */
function groupProblems(
  view: ZoneLookup,
  overlay: Map<string, RecordSet | null>,
  lastTtl: Map<string, number>,
  put: RecordSet[],
): string[] {
  const problems: string[] = [];
  // The overlay grouped by owner name in one pass: scanning the whole overlay per name made a full
  // 1,000-change batch quadratic (the largest cost of a bulk enactment).
  const names = new Map<string, { name?: string; changes: Array<[string, RecordSet | null]> }>();
  for (const [key, set] of overlay) {
    const nameKey = key.slice(0, key.indexOf('\u0000') + 1);
    let entry = names.get(nameKey);
    if (!entry) names.set(nameKey, (entry = { changes: [] }));
    entry.changes.push([key, set]);
    if (set) entry.name = set.name;
  }
  for (const [nameKey, { name, changes }] of names) {
    if (name === undefined) continue;
    const members = new Map<string, RecordSet>();
    for (const key of view.keysWithPrefix(nameKey)) members.set(key, view.get(key)!);
    for (const [key, set] of changes) {
      if (set) members.set(key, set);
      else members.delete(key);
    }
    const byType = new Map<string, RecordSet[]>();
    for (const set of members.values()) {
      const sets = byType.get(set.type);
      if (sets) sets.push(set);
      else byType.set(set.type, [set]);
    }
    if (byType.has('CNAME') && byType.size > 1) {
      problems.push(
        `RRSet of type CNAME with DNS name ${name} is not permitted as it conflicts with other records with the same DNS name in zone ${view.apex}`,
      );
    }
    for (const [type, sets] of byType) {
      const weighted = sets.filter((set) => set.weight !== undefined && !set.aliasTarget);
      problems.push(...policyProblems(name, type, sets));
      if (weighted.length > LIMITS.weightedPerGroup) {
        problems.push(
          `Too many weighted resource record sets for DNS name ${name}, type ${type}: the limit is ${LIMITS.weightedPerGroup}`,
        );
      }
      const ttl = lastTtl.get(groupPrefix(name, type));
      if (ttl === undefined) continue;
      for (const set of weighted) {
        // Almost always the group already has this TTL: no key to work out then.
        if (set.ttl === ttl) continue;
        const key = sortKey(set.name, set.type, set.setIdentifier);
        if (overlay.get(key) !== set) put.push({ ...set, ttl });
        else overlay.set(key, { ...set, ttl });
      }
    }
  }
  return problems;
}

/**
 * One routing policy per name and type (Route53 refuses a weighted set beside a simple or failover one), at
 * most one PRIMARY and one SECONDARY failover set.
 */
function policyProblems(name: string, type: string, sets: readonly RecordSet[]): string[] {
  const policies = new Set(sets.map(policyOf));
  const problems: string[] = [];
  if (policies.size > 1) {
    const list = [...policies].sort().join(' and ');
    problems.push(
      `RRSet with DNS name ${name}, type ${type} cannot mix routing policies (${list}): every set of one name and type must use the same one`,
    );
  }
  for (const role of ['PRIMARY', 'SECONDARY'] as const) {
    if (sets.filter((set) => set.failover === role).length > 1)
      problems.push(`RRSet with DNS name ${name}, type ${type} has more than one ${role} failover record set`);
  }
  return problems;
}

/** Whether the zone, as the batch leaves it, has a set of this name and type. */
function existsAfter(
  view: ZoneLookup,
  overlay: ReadonlyMap<string, RecordSet | null>,
  name: string,
  type: string,
): boolean {
  const prefix = groupPrefix(name, type);
  for (const [key, set] of overlay) if (set && key.startsWith(prefix)) return true;
  return view.keysWithPrefix(prefix).some((key) => !overlay.has(key));
}

/**
 * An alias into a hosted zone the store holds must name a record set of its own type inside that zone, as the
 * batch leaves it (Route53's two messages). A zone id the store does not hold is an AWS service's (a load
 * balancer, CloudFront): stored as given, not checked.
 */
function aliasProblems(view: ZoneLookup, overlay: ReadonlyMap<string, RecordSet | null>): string[] {
  const problems: string[] = [];
  for (const set of overlay.values()) {
    const alias = set?.aliasTarget;
    if (!alias) continue;
    const own = alias.hostedZoneId === view.id;
    const zone = own
      ? { apex: view.apex, has: (name: string, type: string) => existsAfter(view, overlay, name, type) }
      : view.otherZone?.(alias.hostedZoneId);
    if (!zone) continue;
    const prefix = `Tried to create an alias that targets ${alias.dnsName}, type ${set.type} in zone ${alias.hostedZoneId}, but`;
    if (alias.dnsName !== zone.apex && !alias.dnsName.endsWith(`.${zone.apex}`))
      problems.push(`${prefix} the alias target name does not lie within the target zone`);
    else if ((own && alias.dnsName === set.name) || !zone.has(alias.dnsName, set.type))
      problems.push(`${prefix} that target was not found`);
  }
  return problems;
}
