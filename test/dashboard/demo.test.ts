// npm start with the dashboard, as a newcomer uses it: the demo prints the dashboard's address, waits for a
// browser (here: an SSE connection, which is what the page opens), and the page's JSON shows the races.
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DashboardStatus } from '../../src/dashboard/model.js';
import { REGIONAL_ENDPOINT } from '../../src/scenario/race-rig.js';
import { spawnDnsplane } from '../helpers/cli.js';

let dir: string;

beforeAll(async () => {
  dir = await fs.mkdtemp(path.join(os.tmpdir(), 'dnsplane-demo-dashboard-'));
});
afterAll(async () => {
  await fs.rm(dir, { recursive: true, force: true });
});

describe('npm start serves the dashboard', () => {
  it('prints the address, starts the races once a page is open, and the page data follows them', async () => {
    const demo = spawnDnsplane(['demo', '--dashboard-port', '0', '--dashboard-wait', '20s', '--chart-dir', dir]);
    try {
      const [, url] = await demo.waitFor(/dashboard: (http:\S+)/);
      // The address and the waiting line are two writes; on a loaded machine they can arrive apart.
      await demo.waitFor(/waiting up to 20 s for a browser to open it/, { timeoutMs: 10_000 });
      expect(demo.stdout).toContain('waiting up to 20 s for a browser to open it');
      expect(demo.stdout).not.toContain('[1/2]'); // nothing starts before a page is open
      // Open the page's event stream, as the page does; the demo starts the races.
      const events = await fetch(new URL('/events', url));
      const reader = events.body!.getReader();
      let received = '';
      const sources = new Set<string>();
      let emptySeen = false;
      while (!/\[2\/2\] SAFE/.test(demo.stdout)) {
        const chunk = await reader.read();
        if (chunk.done) break;
        received += new TextDecoder().decode(chunk.value);
        const status = (await (await fetch(new URL('/api/status', url))).json()) as DashboardStatus;
        sources.add(status.source);
        emptySeen ||=
          status.source === 'legacy race' &&
          status.endpoints.some((row) => row.endpoint === `${REGIONAL_ENDPOINT} A` && row.state === 'empty');
      }
      await reader.cancel();
      expect(demo.stdout).toContain('browser connected; starting.');
      expect(received).toContain('event: reset'); // each race replaces the previous one on the page
      expect(sources).toContain('legacy race');
      expect(emptySeen).toBe(true);
      expect(await demo.exited, demo.stdout).toBe(0);
    } finally {
      demo.child.kill('SIGTERM');
    }
  }, 45_000);
});
