// The dashboard's judgements without sockets: endpoint states, event and audit normalisation, the enactor
// table, and the audit tail read from the end of a long, still-growing log file.
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ActivityBook, activityOfAudit, activityOfEvent, markOf } from '../../src/dashboard/activity.js';
import { FileSource } from '../../src/dashboard/file-source.js';
import type { ProbeCell } from '../../src/dashboard/model.js';
import { endpointRows, judgeEndpoint } from '../../src/dashboard/rows.js';
import type { EndpointStatus } from '../../src/status/endpoint-status.js';
import { FilePlanStore } from '../../src/plan/file-store.js';
import { ZoneStore } from '../../src/authority/store/zone-store.js';
import { storePort } from '../../src/scenario/store-client.js';

const status = (overrides: Partial<EndpointStatus>): EndpointStatus => ({
  endpoint: 'api.example.test. A',
  liveGeneration: 3,
  fenceWriter: 'e1',
  plannedGeneration: 3,
  liveMatchesFence: true,
  liveMatchesLatest: true,
  recordSets: 2,
  excluded: false,
  generationConflict: false,
  probe: null,
  ...overrides,
});
const cell = (result: ProbeCell['result'], path: ProbeCell['path'] = 'resolver'): ProbeCell => ({
  path,
  result,
  at: 0,
  values: [],
});

describe('endpoint state', () => {
  it('is empty when a planned endpoint has no live sets, or the probe gets NODATA/NXDOMAIN, whatever else agrees', () => {
    expect(judgeEndpoint(status({ recordSets: 0, liveMatchesLatest: false }), []).state).toBe('empty');
    expect(judgeEndpoint(status({}), [cell('answered', 'authority'), cell('nodata')])).toEqual({
      state: 'empty',
      reason: 'probe via resolver: nodata',
    });
    expect(judgeEndpoint(status({}), [cell('nxdomain')]).state).toBe('empty');
  });

  it('is pending when planned but never applied (no fence, no records, never answered), and empty once it had been served', () => {
    const unapplied = status({
      liveGeneration: null,
      fenceWriter: null,
      liveMatchesFence: null,
      liveMatchesLatest: false,
      recordSets: 0,
    });
    expect(judgeEndpoint(unapplied, [cell('nxdomain')])).toEqual({
      state: 'pending',
      reason: 'planned in generation 3, not applied yet',
    });
    expect(judgeEndpoint(unapplied, [])).toMatchObject({ state: 'pending' });
    // Records deleted from under an endpoint the probe had answered for: an outage, not "not yet".
    expect(judgeEndpoint(unapplied, [{ ...cell('nodata'), answeredBefore: true }]).state).toBe('empty');
    // A live fence whose plan has the endpoint means an enactor applied it once.
    expect(judgeEndpoint(status({ recordSets: 0, liveMatchesLatest: false }), [cell('nodata')]).state).toBe('empty');
    // A shard fence of a generation before the endpoint was added (every shard has one after the first pass):
    // its plan does not name the endpoint (liveMatchesFence null), so it is not applied yet, not emptied.
    const added = status({ liveGeneration: 3, plannedGeneration: 4, liveMatchesFence: null, liveMatchesLatest: false });
    expect(judgeEndpoint({ ...added, recordSets: 0 }, [cell('nxdomain')])).toEqual({
      state: 'pending',
      reason: 'planned in generation 4, not applied yet',
    });
    // Not in the latest plan (a probed name only): never pending.
    expect(
      judgeEndpoint(
        status({
          liveGeneration: null,
          liveMatchesFence: null,
          liveMatchesLatest: null,
          plannedGeneration: null,
          recordSets: 0,
        }),
        [cell('nxdomain')],
      ).state,
    ).toBe('empty');
  });

  it('is failing on other bad answers, drift when live matches no plan, behind when a newer plan waits', () => {
    expect(judgeEndpoint(status({}), [cell('servfail')]).state).toBe('failing');
    expect(judgeEndpoint(status({}), [cell('wrong')]).state).toBe('failing');
    expect(judgeEndpoint(status({ liveMatchesFence: false, liveMatchesLatest: false }), []).state).toBe('drift');
    expect(
      judgeEndpoint(status({ liveGeneration: null, liveMatchesFence: null, liveMatchesLatest: false }), []).reason,
    ).toBe('live records differ from the latest plan (no fence)');
    expect(judgeEndpoint(status({ plannedGeneration: 4, liveMatchesLatest: false }), [cell('answered')])).toEqual({
      state: 'behind',
      reason: 'live is generation 3; 4 is planned',
    });
    expect(judgeEndpoint(status({}), [cell('answered')]).state).toBe('match');
  });

  it('joins probe cells to status rows whether or not the probe key has the trailing dot; unknown probed names get rows', () => {
    const rows = endpointRows(
      [status({})],
      [
        { endpoint: 'api.example.test A', cell: cell('answered') },
        { endpoint: 'other.example.test A', cell: cell('nodata') },
      ],
    );
    expect(rows.map((row) => [row.endpoint, row.state, row.probe.length])).toEqual([
      ['api.example.test. A', 'match', 1],
      ['other.example.test A', 'empty', 1],
    ]);
  });

  it("joins every path's cell to its row, and groups an unknown probed name's cells into one row, in order", () => {
    const rows = endpointRows(
      [status({ endpoint: 'b.example.test. A' }), status({ endpoint: 'a.example.test. A' })],
      [
        { endpoint: 'other.example.test A', cell: cell('nodata', 'authority') },
        { endpoint: 'a.example.test. A', cell: cell('answered', 'authority') },
        { endpoint: 'A.example.test A', cell: cell('servfail', 'resolver') },
        { endpoint: 'other.example.test A', cell: cell('answered', 'resolver') },
      ],
    );
    expect(
      rows.map((row) => [row.endpoint, row.state, row.probe.map((probe) => `${probe.path}:${probe.result}`)]),
    ).toEqual([
      ['b.example.test. A', 'match', []],
      ['a.example.test. A', 'failing', ['authority:answered', 'resolver:servfail']],
      ['other.example.test A', 'empty', ['authority:nodata', 'resolver:answered']],
    ]);
  });
});

describe('activity', () => {
  it('normalises fenced and legacy enactor events alike; progress is not activity', () => {
    const rejected = activityOfEvent(
      {
        type: 'batch-rejected',
        enactor: 'a',
        generation: 2,
        batch: 'b1',
        endpoints: ['x A'],
        error: 'InvalidChangeBatch',
        durationMs: 3,
      },
      10,
    );
    expect(rejected).toEqual({
      at: 10,
      enactor: 'a',
      kind: 'fence-rejected',
      generation: 2,
      endpoints: ['x A'],
      detail: 'InvalidChangeBatch',
    });
    expect(
      activityOfEvent({ type: 'records-removed', enactor: 'b', generation: 2, endpoint: 'x A', sets: 3 }, 11),
    ).toMatchObject({ kind: 'records-removed', endpoints: ['x A'] });
    expect(activityOfEvent({ type: 'write-accepted', enactor: 'b', generation: 4, endpoint: 'x A' }, 12)?.kind).toBe(
      'applied',
    );
    expect(
      activityOfEvent({
        type: 'progress',
        enactor: 'a',
        generation: 2,
        batchesDone: 1,
        batchesTotal: 1,
        endpointsDone: 1,
        endpointsTotal: 1,
        elapsedMs: 1,
      }),
    ).toBeUndefined();
    expect(markOf(rejected!)).toMatchObject({ kind: 'fence-rejected', generation: 2 });
    expect(markOf({ at: 1, enactor: 'a', kind: 'retry', endpoints: [] })).toBeUndefined();
  });

  it('maps audit outcomes and refuses lines that are not audit entries', () => {
    const entry = {
      time: '2026-11-22T00:00:00.000Z',
      enactor: 'e',
      generation: 5,
      endpoint: 'x A',
      changes: ['UPSERT x'],
      outcome: 'stood-down' as const,
    };
    expect(activityOfAudit(entry)).toEqual({
      at: Date.parse(entry.time),
      enactor: 'e',
      kind: 'stood-down',
      generation: 5,
      endpoints: ['x A'],
      detail: 'UPSERT x',
    });
    expect(() => activityOfAudit({ hello: 1 } as never)).toThrow('not an audit entry');
  });

  it('keeps per enactor its state, last apply and counts; a retry does not replace the state', () => {
    const book = new ActivityBook(3);
    book.record({ at: 1, enactor: 'a', kind: 'sent', generation: 2, endpoints: ['x A', 'y A'] });
    book.record({ at: 2, enactor: 'a', kind: 'applied', generation: 2, endpoints: ['x A'] });
    book.record({ at: 2, enactor: 'a', kind: 'applied', generation: 2, endpoints: ['y A'] });
    book.record({ at: 3, enactor: 'a', kind: 'retry', endpoints: [] });
    expect(book.enactorRows()).toEqual([
      {
        id: 'a',
        state: 'applied',
        lastActivityAt: 3,
        lastApply: { at: 2, generation: 2, endpoints: ['x A', 'y A'] },
        counts: { sent: 1, applied: 2, retry: 1 },
        knownFrom: ['activity'],
      },
    ]);
    expect(book.tail(10).map((activity) => activity.at)).toEqual([2, 2, 3]); // bounded to 3
  });

  it('lists enactors known otherwise (run manifest, fence writer) without activity as such, once each', () => {
    const book = new ActivityBook();
    book.record({ at: 1, enactor: 'b', kind: 'stood-down', generation: 2, endpoints: ['x A'] });
    const rows = book.enactorRows([
      { id: 'c', from: 'run manifest' },
      { id: 'b', from: 'run manifest' },
      { id: 'a', from: 'fence writer' },
      { id: 'c', from: 'fence writer' },
      { id: 'c', from: 'fence writer' },
    ]);
    expect(rows.map(({ id, state, lastActivityAt, knownFrom }) => ({ id, state, lastActivityAt, knownFrom }))).toEqual([
      { id: 'a', state: null, lastActivityAt: null, knownFrom: ['fence writer'] },
      { id: 'b', state: 'stood-down', lastActivityAt: 1, knownFrom: ['activity', 'run manifest'] },
      { id: 'c', state: null, lastActivityAt: null, knownFrom: ['run manifest', 'fence writer'] },
    ]);
    // The book itself is unchanged: another reading with other ids starts again from its activity.
    expect(book.enactorRows().map((row) => row.knownFrom)).toEqual([['activity']]);
  });
});

describe('audit tail of the file source', () => {
  it('reads only whole lines from the end of a long log, then what is appended, and reports a corrupt line', async () => {
    const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'dnsplane-dashboard-audit-'));
    const file = path.join(dir, 'audit.jsonl');
    const line = (generation: number) =>
      `${JSON.stringify({ time: new Date(generation * 1000).toISOString(), enactor: 'e', generation, endpoint: 'x A', changes: [], outcome: 'accepted' })}\n`;
    // About 2 MB of history: the dashboard starts 1 MiB from the end, skipping the line it lands inside.
    const old = Array.from({ length: 20_000 }, (_, i) => line(i + 1)).join('');
    await fs.writeFile(file, old);
    const source = new FileSource({
      store: new FilePlanStore(path.join(dir, 'plans')),
      client: storePort(new ZoneStore()), // no zone: this test never reaches Route53
      zoneId: 'Z',
      auditFile: file,
      pollMs: 3_600_000,
    });
    try {
      await source.poll();
      const first = await source.activity(5_000);
      expect(first.at(-1)?.generation).toBe(20_000);
      expect(first.length).toBeGreaterThan(1_000);
      expect(first.length).toBeLessThan(20_000);
      expect(first.every((activity, i) => i === 0 || activity.generation === first[i - 1].generation! + 1)).toBe(true);

      // Half a line (a writer mid-append) waits for its newline.
      const next = line(20_001);
      await fs.appendFile(file, next.slice(0, 20));
      await source.poll();
      expect((await source.activity(1))[0].generation).toBe(20_000);
      await fs.appendFile(file, `${next.slice(20)}not json\n`);
      await source.poll();
      expect((await source.activity(1))[0].generation).toBe(20_001);
      // No Route53 here (the client is a stub): that failure is reported too, beside the audit log's.
      const { errors } = await source.status();
      expect(errors.join('\n')).toMatch(
        /audit log: .*audit\.jsonl has 1 line\(s\) that are not audit entries, skipped \(last: not json\)/,
      );
    } finally {
      await source.close();
      await fs.rm(dir, { recursive: true, force: true });
    }
  });
});
