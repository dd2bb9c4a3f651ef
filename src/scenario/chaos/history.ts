// What a fault run records, and the checks it must pass. The history is plain data (JSON-able), so that a
// failing run can be kept and read, and so that the checks can be shown to fail on a made-up bad history.

export interface AnswerRecord {
  at: number;
  /** What the authority itself answered for the endpoint. */
  result: 'answered' | 'empty' | 'no-answer';
  /** The fleet revision the answered values belong to (every revision's values are its own; they only grow). */
  revision?: number;
}

export interface AckRecord {
  at: number;
  enactor: string;
  generation: number;
}

export interface FenceRecord {
  at: number;
  generation: number;
}

/** The components whose death and return the schedule measures, one recovery series each. */
export const COMPONENT_KINDS = ['authority', 'enactor', 'planner', 'unbound', 'probe'] as const;
export type ComponentKind = (typeof COMPONENT_KINDS)[number];

export interface FaultRecord {
  at: number;
  fault: string;
  /** For a kill -9 and restart: which kind of component. */
  kind?: ComponentKind;
  /**
   * From the component being back (the authority answering, the others ready) until a client of the resolver
   * is answered with the fleet's revision of that moment, or a newer one: correct, current answers again.
   */
  currentMs?: number;
  /** For the probe: from its return until its status file says `ok` again. */
  probeOkMs?: number;
  /**
   * For a restart of the authority: ms until it answered again directly, and through the resolver; for a
   * restart of the resolver, 0 and the ms until the resolver answered again.
   */
  authorityRecoveryMs?: number;
  resolverRecoveryMs?: number;
}

export interface History {
  seed: number;
  design: 'safe' | 'legacy';
  answers: AnswerRecord[];
  acks: AckRecord[];
  fences: FenceRecord[];
  faults: FaultRecord[];
  /** What crossed the delayed enactor's link, and the packets dropped on it (absent in the legacy run). */
  delayedLink?: { connections: number; bytesFromEnactor: number; packets: number; dropped: number };
  /** How often each diagnosis was read from the probe's status file (twice a second). */
  probeDiagnoses?: Record<string, number>;
  final: {
    latestPlanned: number;
    liveGeneration: number | null;
    matchesLatest: boolean;
    /** The fleet's last revision, and the one the latest plan holds: the planner must have caught up. */
    fleetRevision?: number;
    plannedRevision?: number;
  };
}

export interface Verdict {
  ok: boolean;
  violations: string[];
  counts: {
    answers: number;
    empty: number;
    noAnswer: number;
    acks: number;
    fences: number;
    faults: number;
    authorityRestarts: number;
  };
  /** Resolver lag behind the authority after each authority (or resolver) restart, ms. */
  recoveries: number[];
  /** Per component kind: ms from its return until the resolver answers current content (FaultRecord.currentMs). */
  current: Partial<Record<ComponentKind, number[]>>;
}

/** Checks a history; `boundMs` is the recovery bound through the resolver after the authority answers. */
export function checkHistory(history: History, boundMs: number): Verdict {
  const violations: string[] = [];
  // Before the first enactor's first batch the name does not exist yet: only an empty answer after the
  // endpoint has answered is the record being emptied.
  const firstAnswered = history.answers.findIndex((answer) => answer.result === 'answered');
  const empty =
    firstAnswered === -1 ? [] : history.answers.slice(firstAnswered).filter((answer) => answer.result === 'empty');
  if (empty.length > 0)
    violations.push(
      `${empty.length} empty answer(s) at the authority (the October 2025 failure), first at ${iso(empty[0].at)}`,
    );

  let newest: AnswerRecord | undefined;
  for (const answer of history.answers) {
    if (answer.revision === undefined) continue;
    if (newest && answer.revision < newest.revision!) {
      violations.push(
        `stale content after newer: revision ${answer.revision} answered at ${iso(answer.at)} after revision ${newest.revision} at ${iso(newest.at)}`,
      );
      break;
    }
    if (!newest || answer.revision > newest.revision!) newest = answer;
  }

  for (let i = 1; i < history.fences.length; i += 1) {
    if (history.fences[i].generation < history.fences[i - 1].generation) {
      violations.push(
        `generation regression: the fence went from ${history.fences[i - 1].generation} to ${history.fences[i].generation} at ${iso(history.fences[i].at)}`,
      );
      break;
    }
  }

  const acked = Math.max(0, ...history.acks.map((ack) => ack.generation));
  const live = history.final.liveGeneration;
  if (live === null || live < acked)
    violations.push(`acknowledged generation ${acked} is not present at the end (live: ${live ?? 'none'})`);
  if (!history.final.matchesLatest || live !== history.final.latestPlanned) {
    violations.push(
      `did not converge: live generation ${live ?? 'none'}, latest planned ${history.final.latestPlanned}${history.final.matchesLatest ? '' : ', records differ from the latest plan'}`,
    );
  }

  const { fleetRevision, plannedRevision } = history.final;
  if (fleetRevision !== undefined && plannedRevision !== fleetRevision)
    violations.push(
      `the planner did not catch up: the latest plan holds revision ${plannedRevision ?? 'none'}, the fleet ${fleetRevision}`,
    );

  const current: Verdict['current'] = {};
  for (const fault of history.faults) {
    if (fault.kind === undefined || fault.currentMs === undefined) continue;
    (current[fault.kind] ??= []).push(fault.currentMs);
    if (fault.currentMs > boundMs)
      violations.push(
        `after "${fault.fault}" the resolver answered current content ${Math.round(fault.currentMs)} ms after it was back (bound ${boundMs} ms)`,
      );
  }

  const restarts = history.faults.filter((fault) => fault.authorityRecoveryMs !== undefined);
  const recoveries = restarts.map((fault) =>
    Math.max(0, (fault.resolverRecoveryMs ?? fault.authorityRecoveryMs!) - fault.authorityRecoveryMs!),
  );
  recoveries.forEach((lag, i) => {
    if (lag > boundMs)
      violations.push(
        `the resolver answered ${Math.round(lag)} ms after the authority (bound ${boundMs} ms) after "${restarts[i].fault}"`,
      );
  });

  return {
    ok: violations.length === 0,
    violations,
    counts: {
      answers: history.answers.length,
      empty: empty.length,
      noAnswer: history.answers.filter((answer) => answer.result === 'no-answer').length,
      acks: history.acks.length,
      fences: history.fences.length,
      faults: history.faults.length,
      authorityRestarts: restarts.filter((fault) => fault.fault.includes('authority')).length,
    },
    recoveries,
    current,
  };
}

const iso = (at: number) => new Date(at).toISOString();

function countFaults(history: History): string {
  const counts = new Map<string, number>();
  for (const fault of history.faults) counts.set(fault.fault, (counts.get(fault.fault) ?? 0) + 1);
  return [...counts].map(([fault, count]) => `${fault} ×${count}`).join(', ');
}

/** "median M ms, max X ms (n=N)" of a series (the lower middle value for an even count). */
export function medianMax(series: readonly number[]): string {
  const sorted = [...series].sort((a, b) => a - b);
  const median = sorted[Math.ceil(sorted.length / 2) - 1] ?? NaN;
  return `median ${Math.round(median)} ms, max ${Math.round(sorted.at(-1) ?? NaN)} ms (n=${sorted.length})`;
}

/** The run's summary: counts, recovery times, and every violation. */
export function formatVerdict(history: History, verdict: Verdict): string {
  const link = history.delayedLink;
  const diagnoses = Object.entries(history.probeDiagnoses ?? {});
  const probeOk = history.faults.flatMap((fault) => (fault.probeOkMs === undefined ? [] : [fault.probeOkMs]));
  const lines = [
    `chaos (${history.design} design, seed ${history.seed}): ${verdict.counts.faults} faults (${countFaults(history)}), ${verdict.counts.authorityRestarts} authority restarts`,
    `  authority answers ${verdict.counts.answers} (empty ${verdict.counts.empty}, no answer while down ${verdict.counts.noAnswer}); acknowledged batches ${verdict.counts.acks}; fence readings ${verdict.counts.fences}`,
    `  final: live generation ${history.final.liveGeneration ?? 'none'}, latest planned ${history.final.latestPlanned}, matches ${history.final.matchesLatest}` +
      (history.final.fleetRevision !== undefined
        ? `; fleet revision ${history.final.fleetRevision}, planned ${history.final.plannedRevision ?? 'none'}`
        : ''),
    ...(link
      ? [
          `  delayed link: ${link.connections} connections, ${link.bytesFromEnactor} bytes from the enactor; ${link.dropped} of ${link.packets} packets dropped`,
        ]
      : []),
    ...(diagnoses.length
      ? [`  probe diagnoses read: ${diagnoses.map(([diagnosis, count]) => `${diagnosis} ×${count}`).join(', ')}`]
      : []),
    verdict.recoveries.length
      ? `  resolver lag behind the authority after a restart (authority or resolver): ${medianMax(verdict.recoveries)}`
      : '  resolver recovery: no authority restart measured',
    ...COMPONENT_KINDS.filter((kind) => verdict.current[kind]?.length).map(
      (kind) => `  current answers through the resolver after ${kind} is back: ${medianMax(verdict.current[kind]!)}`,
    ),
    ...(probeOk.length ? [`  the probe's status says ok again after its restart: ${medianMax(probeOk)}`] : []),
    verdict.ok ? 'PASS: no violations' : `FAIL: ${verdict.violations.length} violation(s)`,
    ...verdict.violations.map((violation) => `  - ${violation}`),
  ];
  return lines.join('\n');
}
