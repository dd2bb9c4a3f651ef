// What a fault run records, and the checks it must pass. The history is plain data (JSON-able), so that a
// failing run can be kept and read, and so that the checks can be shown to fail on a made-up bad history.

export interface AnswerRecord {
  at: number;
  /** What the authority itself answered for the endpoint. */
  result: 'answered' | 'empty' | 'no-answer';
  /** The plan generation the answered values belong to (every generation's values are distinct). */
  generation?: number;
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

export interface FaultRecord {
  at: number;
  fault: string;
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
  /** What the delayed enactor sent across its link (absent in the legacy run, which has no such link). */
  delayedLink?: { connections: number; bytesFromEnactor: number };
  final: { latestPlanned: number; liveGeneration: number | null; matchesLatest: boolean };
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
      `${empty.length} empty answer(s) at the authority (the October 2025 failure), first at ${iso(empty[0]!.at)}`,
    );

  let newest: AnswerRecord | undefined;
  for (const answer of history.answers) {
    if (answer.generation === undefined) continue;
    if (newest && answer.generation < newest.generation!) {
      violations.push(
        `stale content after newer: generation ${answer.generation} answered at ${iso(answer.at)} after generation ${newest.generation} at ${iso(newest.at)}`,
      );
      break;
    }
    if (!newest || answer.generation > newest.generation!) newest = answer;
  }

  for (let i = 1; i < history.fences.length; i += 1) {
    if (history.fences[i]!.generation < history.fences[i - 1]!.generation) {
      violations.push(
        `generation regression: the fence went from ${history.fences[i - 1]!.generation} to ${history.fences[i]!.generation} at ${iso(history.fences[i]!.at)}`,
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

  const restarts = history.faults.filter((fault) => fault.authorityRecoveryMs !== undefined);
  const recoveries = restarts.map((fault) =>
    Math.max(0, (fault.resolverRecoveryMs ?? fault.authorityRecoveryMs!) - fault.authorityRecoveryMs!),
  );
  recoveries.forEach((lag, i) => {
    if (lag > boundMs)
      violations.push(
        `the resolver answered ${Math.round(lag)} ms after the authority (bound ${boundMs} ms) after "${restarts[i]!.fault}"`,
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
  };
}

const iso = (at: number) => new Date(at).toISOString();

function countFaults(history: History): string {
  const counts = new Map<string, number>();
  for (const fault of history.faults) counts.set(fault.fault, (counts.get(fault.fault) ?? 0) + 1);
  return [...counts].map(([fault, count]) => `${fault} ×${count}`).join(', ');
}

/** The run's summary: counts, recovery times, and every violation. */
export function formatVerdict(history: History, verdict: Verdict): string {
  const sorted = [...verdict.recoveries].sort((a, b) => a - b);
  const median = sorted.length ? sorted[Math.ceil(sorted.length / 2) - 1]! : NaN;
  const lines = [
    `chaos (${history.design} design, seed ${history.seed}): ${verdict.counts.faults} faults (${countFaults(history)}), ${verdict.counts.authorityRestarts} authority restarts`,
    `  authority answers ${verdict.counts.answers} (empty ${verdict.counts.empty}, no answer while down ${verdict.counts.noAnswer}); acknowledged batches ${verdict.counts.acks}; fence readings ${verdict.counts.fences}`,
    `  final: live generation ${history.final.liveGeneration ?? 'none'}, latest planned ${history.final.latestPlanned}, matches ${history.final.matchesLatest}`,
    sorted.length
      ? `  resolver recovery after the authority (or the resolver itself) is back: median ${Math.round(median)} ms, max ${Math.round(sorted.at(-1)!)} ms (n=${sorted.length})`
      : '  resolver recovery: no authority restart measured',
    verdict.ok ? 'PASS: no violations' : `FAIL: ${verdict.violations.length} violation(s)`,
    ...verdict.violations.map((violation) => `  - ${violation}`),
  ];
  return lines.join('\n');
}
