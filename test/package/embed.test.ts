// examples/embed.ts, the library example in the README: a planner and two enactors against an in-process
// authority. What a user would check afterwards: the zone holds exactly the plan's record sets, and the
// endpoint answers over DNS with planned addresses.
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { embed } from '../../examples/embed.js';
import { queryDns } from '../../src/index.js';
import { readEndpointSets } from '../../src/route53/listing.js';
import { createRoute53Client } from '../../src/route53/client.js';
import { sdkPort } from '../../src/route53/port.js';

const run = promisify(execFile);

describe('examples/embed.ts', () => {
  it('leaves the zone holding the plan and the endpoint answering over DNS', async () => {
    const result = await embed();
    const client = createRoute53Client({
      endpoint: result.authority.endpoint,
      credentials: result.authority.credentials,
    });
    try {
      const [endpoint] = result.plan.endpoints;
      expect(endpoint).toMatchObject({ name: 'api.example.test.', type: 'A' });
      // One of the two enactors applied the generation; the other lost the fence and applied nothing.
      expect(result.summaries.flatMap((pass) => pass.applied)).toEqual(['api.example.test. A']);

      const live = await readEndpointSets(sdkPort(client), result.zoneId, endpoint.name, 'A');
      const shape = (sets: Array<{ setIdentifier?: string; weight?: number; values: string[] }>) =>
        sets
          .map(({ setIdentifier, weight, values }) => ({ setIdentifier, weight, values }))
          .sort((a, b) => String(a.setIdentifier).localeCompare(String(b.setIdentifier)));
      expect(shape(live)).toEqual(shape(endpoint.sets));

      const planned = endpoint.sets.flatMap((set) => set.values);
      expect(result.observations.map((seen) => seen.result)).toEqual(['answered']);
      const reply = await queryDns({
        server: { host: result.authority.host, port: result.authority.dnsPort },
        name: 'api.example.test.',
        type: 'A',
        timeoutMs: 2000,
        recursionDesired: false,
      });
      expect(reply).toMatchObject({ rcodeName: 'NOERROR', authoritative: true });
      expect(reply.values.length).toBeGreaterThan(0);
      for (const value of reply.values) expect(planned).toContain(value);
    } finally {
      client.destroy();
      await result.close();
    }
  });

  it('runs as a script and prints what it saw', async () => {
    const { stdout } = await run(process.execPath, ['bin/run-ts.js', 'examples/embed.ts']);
    expect(stdout).toMatch(/^enactor-0: generation 1, applied/m);
    expect(stdout).toMatch(/^api\.example\.test\. A over DNS: answered 192\.0\.2\.[12]$/m);
  });
});
