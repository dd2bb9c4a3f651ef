import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkOnce, HealthTracker } from '../../src/plan/health.js';
import { FleetSim } from '../../src/scenario/fleet-sim.js';

let sim: FleetSim;
beforeAll(async () => {
  sim = await FleetSim.start(['lb-a', 'lb-b', 'lb-c']);
});
afterAll(async () => {
  await sim.close();
});

describe('health checks against the fleet simulator over HTTP', () => {
  it('sees 200 as healthy and 503 as unhealthy', async () => {
    sim.set('lb-b', 'down');
    expect(await checkOnce(sim.url('lb-a'), 1000)).toMatchObject({ ok: true, outcome: 200 });
    expect(await checkOnce(sim.url('lb-b'), 1000)).toMatchObject({ ok: false, outcome: 503 });
    expect(sim.hits('lb-a')).toBeGreaterThan(0);
  });

  it('times out a hanging target within its timeout', async () => {
    sim.set('lb-c', 'hang');
    const result = await checkOnce(sim.url('lb-c'), 200);
    expect(result).toMatchObject({ ok: false, outcome: 'timeout' });
    expect(result.ms).toBeGreaterThanOrEqual(150);
    expect(result.ms).toBeLessThan(2000);
    sim.set('lb-c', 'up');
  });

  it('lets another process flip health with POST /control/<lbId>/<state>', async () => {
    const base = sim.url('lb-b').replace('/health/lb-b', '');
    expect((await fetch(`${base}/control/lb-b/down`, { method: 'POST' })).status).toBe(204);
    expect(sim.get('lb-b')).toBe('down');
    expect(await checkOnce(sim.url('lb-b'), 1000)).toMatchObject({ ok: false, outcome: 503 });
    await fetch(`${base}/control/lb-b/up`, { method: 'POST' });
    expect(await checkOnce(sim.url('lb-b'), 1000)).toMatchObject({ ok: true, outcome: 200 });
    expect(await checkOnce(sim.url('nobody'), 1000)).toMatchObject({ ok: false, outcome: 404 });
    // A mistyped id is refused, naming what is simulated, instead of acknowledged and ignored.
    const typo = await fetch(`${base}/control/lb-bb/down`, { method: 'POST' });
    expect(typo.status).toBe(404);
    expect(await typo.text()).toMatch(/^unknown load balancer lb-bb; simulated: .*lb-b/);
    expect(sim.get('lb-bb')).toBeUndefined();
  });

  it('reports a refused connection as an error', async () => {
    const closed = await FleetSim.start(['x']);
    const url = closed.url('x');
    await closed.close();
    expect(await checkOnce(url, 1000)).toMatchObject({ ok: false, outcome: 'error' });
  });

  it('applies hysteresis: 3 failures to go unhealthy, 2 successes to come back', async () => {
    const tracker = new HealthTracker({ failuresToUnhealthy: 3, successesToHealthy: 2, timeoutMs: 200 });
    const url = sim.url('lb-a');
    const pass = async () => (await tracker.checkAll([url])).get(url)!.healthy;
    sim.set('lb-a', 'up');
    expect(await pass()).toBe(true); // first sight decides
    sim.set('lb-a', 'hang');
    expect(await pass()).toBe(true);
    sim.set('lb-a', 'down');
    expect(await pass()).toBe(true);
    sim.set('lb-a', 'up'); // a flap resets the failure count
    expect(await pass()).toBe(true);
    sim.set('lb-a', 'down');
    expect([await pass(), await pass(), await pass()]).toEqual([true, true, false]);
    expect(tracker.state(url)).toMatchObject({ consecutiveFailures: 3, last: { outcome: 503 } });
    sim.set('lb-a', 'up');
    expect(await pass()).toBe(false);
    sim.set('lb-a', 'down');
    expect(await pass()).toBe(false); // one success was not enough
    sim.set('lb-a', 'up');
    expect([await pass(), await pass()]).toEqual([false, true]);
  });

  it('checks targets concurrently, so hanging targets cost one timeout per pass, not one each', async () => {
    const tracker = new HealthTracker({ failuresToUnhealthy: 1, successesToHealthy: 1, timeoutMs: 800 });
    const hanging = await FleetSim.start();
    for (const id of ['h1', 'h2', 'h3']) hanging.set(id, 'hang');
    const started = performance.now();
    const states = await tracker.checkAll([sim.url('lb-a'), hanging.url('h1'), hanging.url('h2'), hanging.url('h3')]);
    // Checked one after another, three timeouts would take at least 2.4 s.
    expect(performance.now() - started).toBeLessThan(2000);
    expect([...states.values()].map((s) => s.healthy)).toEqual([true, false, false, false]);
    await hanging.close();
  });
});
