// moto_server for vitest: one server per describe block, reset before each test. The process handling
// lives in ./moto-server.ts, which has no vitest dependency so that scripts can start moto too.
import { afterAll, beforeAll, beforeEach } from 'vitest';
import { startMoto, type MotoServer } from './moto-server.js';

export { startMoto, type MotoServer } from './moto-server.js';

/**
 * Starts one moto for the enclosing describe block and resets it before each test, so tests never see each
 * other's zones or buckets. Read `.current` inside tests and hooks, not at collection time.
 */
export function useMoto(): { readonly current: MotoServer } {
  const holder: { current?: MotoServer } = {};
  beforeAll(async () => {
    holder.current = await startMoto();
  });
  beforeEach(async () => {
    await holder.current?.reset();
  });
  afterAll(async () => {
    await holder.current?.stop();
  });
  return {
    get current(): MotoServer {
      if (!holder.current) throw new Error('moto_server is not running (useMoto() is read before beforeAll ran)');
      return holder.current;
    },
  };
}
