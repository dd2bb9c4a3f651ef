// The legacy enactor on its own (unit level, in-process zone store and memory plan store): what each of its
// faults does, one at a time, so that the race's outcome is explained by the parts and not only observed.
import { describe, expect, it } from 'vitest';
import { ZoneStore } from '../../src/authority/store/zone-store.js';
import {
  legacyCleanup,
  LegacyEnactor,
  LegacyInconsistentError,
  readLegacyZone,
} from '../../src/scenario/legacy-enactor.js';
import { MemoryPlanStore } from '../../src/scenario/memory-plan-store.js';
import { planOf } from '../../src/scenario/interleavings.js';
import { storePort } from '../../src/scenario/store-client.js';

async function setup() {
  const zones = new ZoneStore();
  const zoneId = zones.createHostedZone({ name: 'interleave.test.', callerReference: 'legacy-unit' }).zone.id;
  const plans = new MemoryPlanStore();
  const client = storePort(zones);
  const enactor = (id: string, cleanupRetention?: number) =>
    new LegacyEnactor({
      id,
      store: plans,
      client,
      zoneId,
      retry: { retries: 0 },
      ...(cleanupRetention !== undefined ? { cleanupRetention } : {}),
    });
  const api = async () => (await readLegacyZone(client, zoneId)).get('api.interleave.test. A')!;
  return { zones, zoneId, plans, client, enactor, api };
}

const weights = (w: number) => [
  [w, 1, 1],
  [1, 1, 1],
  [1, 1, 1],
];

describe('legacy enactor', () => {
  it('checks "newer than applied" once, then overwrites whatever is live with plain UPSERTs', async () => {
    const { plans, enactor, api } = await setup();
    await plans.write(planOf(1, weights(1)));
    await enactor('e1').runOnce();
    expect((await api()).applied).toBe(1);
    await plans.write(planOf(2, weights(2)));
    expect((await enactor('e1').runOnce()).applied).toHaveLength(3);
    // Not newer than applied: skipped.
    expect((await enactor('e2').runOnce()).applied).toEqual([]);
    expect((await api()).sets.find((set) => set.setIdentifier === 'lb-0')?.weight).toBe(2);
  });

  it('its cleanup deletes an active plan (nothing is live, it says) and with it the records; then no enactor can apply', async () => {
    const { zoneId, plans, client, enactor, api } = await setup();
    for (let g = 1; g <= 4; g++) await plans.write(planOf(g, weights(g)));
    // A delayed enactor that only ever saw plan 1 applies it: the endpoint is on plan 1, though 4 exists.
    const sawOnly1 = new MemoryPlanStore();
    await sawOnly1.write((await plans.read(1))!);
    await new LegacyEnactor({ id: 'slow', store: sawOnly1, client, zoneId, retry: { retries: 0 } }).runOnce();
    expect((await api()).sets).toHaveLength(3);

    // The cleanup after "applying 4" with retention 1 deletes 1 and 2, never asking what is live.
    const deleted = await legacyCleanup({ id: 'cleanup', store: plans, client, zoneId, newest: 4, retention: 1 });
    expect(deleted).toEqual([1, 2]);
    expect((await api()).sets).toEqual([]);
    expect((await api()).applied).toBe(1);
    await expect(enactor('e1').runOnce()).rejects.toBeInstanceOf(LegacyInconsistentError);
    await expect(enactor('e2').runOnce()).rejects.toThrow(/on plan 1, which no longer exists/);
  });
});
