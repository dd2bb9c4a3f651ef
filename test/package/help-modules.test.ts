// `dnsplane --help` must stay cheap (BENCHMARKS.md, "Package": at most 150 ms of CPU): it loads the CLI's table
// of contents and commander, and no command module, so neither the AWS SDK nor zod, yaml, dns2 or pino. Counted
// by module, not timed: every module the process resolves is recorded by a loader hook.
import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

const run = promisify(execFile);
const root = path.resolve(import.meta.dirname, '../..');
const recorder = path.join(import.meta.dirname, 'fixtures/record-modules.mjs');

/** The packages and dnsplane modules `dnsplane ...args` loads (tsx and esbuild, the sources' loader, left out). */
async function loadedBy(args: string[]): Promise<{ packages: string[]; commands: string[] }> {
  const { stderr } = await run(process.execPath, ['--import', recorder, 'bin/dnsplane.js', ...args], {
    cwd: root,
    env: { ...process.env, DNSPLANE_CONFIG: '' },
  });
  const urls = JSON.parse(/^RESOLVED (.*)$/m.exec(stderr)![1]) as string[];
  const packages = urls
    .map((url) => /\/node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(url)?.[1])
    .filter((name): name is string => name !== undefined && name !== 'tsx' && name !== 'esbuild');
  const commands = urls.filter((url) => /\/(src|dist)\/cli\/commands\//.test(url));
  return { packages: [...new Set(packages)].sort(), commands };
}

describe('dnsplane --help', () => {
  it('loads commander and no command module', async () => {
    expect(await loadedBy(['--help'])).toEqual({ packages: ['commander'], commands: [] });
  });

  it('(the recording sees what a command loads: enact --help pulls in the AWS SDK)', async () => {
    const { packages, commands } = await loadedBy(['enact', '--help']);
    expect(packages).toContain('@aws-sdk/client-route-53');
    expect(commands.some((url) => url.endsWith('/enact.ts') || url.endsWith('/enact.js'))).toBe(true);
  });
});
