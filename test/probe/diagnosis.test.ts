// The probe says which part fails: the authority (down, empty, wrong) or the resolver still failing after the
// authority is back. Unit cases through the probe's own HealthBook, then the real thing: unbound in front of
// an authority that is stopped and restarted, with a long infra-host-ttl so that the resolver keeps failing
// after the authority is back until it is flushed (what unbound's default of 900 s did to `dnsplane up`).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ProbeResult } from '../../src/probe/classify.js';
import { diagnose, overallDiagnosis } from '../../src/probe/diagnosis.js';
import { HealthBook, type ProbePath } from '../../src/probe/health.js';
import { Probe } from '../../src/probe/probe.js';
import { fixedTargets } from '../../src/probe/targets.js';
import { startRestartRig } from '../../src/scenario/recovery.js';
import { describeWithTools } from '../helpers/tools.js';

function book(history: Array<[ProbePath, ProbeResult]>): HealthBook {
  const health = new HealthBook();
  history.forEach(([path, result], i) =>
    health.record({
      at: 1_000 * i,
      endpoint: 'www.x.test. A',
      name: 'www.x.test.',
      type: 'A',
      path,
      server: '127.0.0.1:1',
      result,
      values: [],
    }),
  );
  return health;
}

describe('diagnose', () => {
  it.each([
    [
      'ok',
      [
        ['authority', 'answered'],
        ['resolver', 'answered'],
      ],
    ],
    [
      'authority-down',
      [
        ['authority', 'timeout'],
        ['resolver', 'servfail'],
      ],
    ],
    [
      'authority-empty',
      [
        ['authority', 'nodata'],
        ['resolver', 'nodata'],
      ],
    ],
    [
      'authority-wrong',
      [
        ['authority', 'wrong'],
        ['resolver', 'wrong'],
      ],
    ],
    [
      'resolver-failing',
      [
        ['authority', 'timeout'],
        ['resolver', 'servfail'],
        ['authority', 'answered'],
        ['resolver', 'servfail'],
      ],
    ],
    ['failing', [['resolver', 'servfail']]],
  ] as const)('%s', (expected, history) => {
    const [only] = diagnose(book(history as unknown as Array<[ProbePath, ProbeResult]>).all());
    expect(only.diagnosis).toBe(expected);
  });

  it('says the authority is back in the resolver-failing detail, and the overall verdict takes the worst endpoint', () => {
    const health = book([
      ['authority', 'timeout'],
      ['resolver', 'servfail'],
      ['authority', 'answered'],
      ['resolver', 'servfail'],
    ]);
    health.record({
      at: 9_000,
      endpoint: 'api.x.test. A',
      name: 'api.x.test.',
      type: 'A',
      path: 'authority',
      server: '127.0.0.1:1',
      result: 'nodata',
      values: [],
    });
    const diagnoses = diagnose(health.all());
    expect(diagnoses.find((entry) => entry.endpoint === 'www.x.test. A')!.detail).toMatch(
      /resolver still fails \(SERVFAIL\) since .*the authority answers again since/,
    );
    expect(overallDiagnosis(diagnoses)).toMatchObject({
      diagnosis: 'authority-empty',
      detail: expect.stringMatching(/^api\.x\.test\. A: the authority serves no record \(NODATA\)/),
    });
    expect(overallDiagnosis([])).toEqual({ diagnosis: 'ok', detail: 'nothing probed yet' });
  });
});

describeWithTools(['unbound', 'unbound-control'], 'diagnosis through a real resolver', () => {
  let rig: Awaited<ReturnType<typeof startRestartRig>>;
  beforeAll(async () => {
    rig = await startRestartRig({ infraHostTtl: 600 });
  }, 60_000);
  afterAll(async () => rig?.close());

  it('tells "authority down" from "resolver still failing after the authority is back"', async () => {
    const probe = new Probe({
      targets: fixedTargets([rig.name]),
      authority: rig.authority,
      resolver: rig.resolver,
      timeoutMs: 3000,
    });
    const verdict = async () => overallDiagnosis(diagnose(probe.endpoints())).diagnosis;
    /** Runs rounds until the verdict is `wanted` (each round waits for its replies; no fixed sleeps). */
    const roundsUntil = async (wanted: string, maxRounds = 40) => {
      for (let round = 0; round < maxRounds && (await verdict()) !== wanted; round += 1) await probe.runRound();
      return verdict();
    };
    expect(await roundsUntil('ok')).toBe('ok');
    await rig.stopAuthority();
    // unbound says SERVFAIL once it gives up on the authority (about 2 s); the authority path times out.
    for (let round = 0; round < 20; round += 1) {
      await probe.runRound();
      if (probe.endpoints().find((health) => health.path === 'resolver')!.last.result === 'servfail') break;
    }
    expect(await verdict()).toBe('authority-down');
    await rig.startAuthority();
    await probe.runRound();
    expect(await verdict()).toBe('resolver-failing');
    await rig.flushResolver();
    expect(await roundsUntil('ok', 10)).toBe('ok');
  }, 120_000);
});
