// bin/dnsplane.js runs dist/ only while it holds the current sources; otherwise (a checkout edited, merged or
// never built) it runs src/ through tsx. Tests spawn bin/dnsplane.js, so this is what keeps them testing src/.
import { mkdir, mkdtemp, rm, unlink, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { distState, STAMP } from '../../scripts/dist-state.mjs';

let root: string;
const at = (seconds: number) => new Date(Date.UTC(2026, 0, 1, 0, 0, seconds));

async function touch(file: string, seconds: number): Promise<void> {
  await mkdir(path.dirname(file), { recursive: true });
  await writeFile(file, '');
  await utimes(file, at(seconds), at(seconds));
}

/** A checkout whose sources are all from second 10 and whose build stamp says `builtAt`. */
async function checkout(builtAt: number): Promise<void> {
  await touch(path.join(root, 'src/cli/main.ts'), 10);
  await touch(path.join(root, 'src/index.ts'), 10);
  for (const folder of ['src/cli', 'src']) await utimes(path.join(root, folder), at(10), at(10));
  await touch(path.join(root, 'dist', STAMP), builtAt);
}

describe('distState', () => {
  beforeEach(async () => {
    root = await mkdtemp(path.join(tmpdir(), 'dnsplane-dist-state-'));
  });
  afterEach(async () => {
    await rm(root, { recursive: true, force: true });
  });

  it('is current when the build started after every source change', async () => {
    await checkout(20);
    expect(distState(root)).toBe('current');
  });

  it('is stale when a source file changed after the build started (edited during or after it)', async () => {
    await checkout(20);
    await utimes(path.join(root, 'src/cli/main.ts'), at(21), at(21));
    expect(distState(root)).toBe('stale');
  });

  it('is stale when a source file was deleted after the build (its folder changed)', async () => {
    await checkout(20);
    await unlink(path.join(root, 'src/index.ts'));
    expect(distState(root)).toBe('stale');
  });

  it('is stale without a stamp: never built, or a build that did not finish', async () => {
    await checkout(20);
    await unlink(path.join(root, 'dist', STAMP));
    expect(distState(root)).toBe('stale');
  });

  it('is installed where there are no sources (the npm package)', async () => {
    await touch(path.join(root, 'dist', STAMP), 20);
    expect(distState(root)).toBe('installed');
  });
});
