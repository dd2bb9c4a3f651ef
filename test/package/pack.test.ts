// The package as a user gets it (the steps are in consumer.ts): packed, installed into an empty directory, its
// command run, its API imported at run time and type-checked by a strict compiler. The checks need nothing from
// each other, so they run at once; the type check starts with the install (see startTypeCheck). The time this takes is in BENCHMARKS.md (package,
// scripts/bench-pack.ts), not asserted here.
import { execFile } from 'node:child_process';
import { readFile, rm } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  buildIfStale,
  emptyProject,
  importApi,
  install,
  installedDnsplane,
  npxDnsplane,
  pack,
  startTypeCheck,
  type TypeCheck,
} from './consumer.js';

const run = promisify(execFile);
let dir: string;
let check: TypeCheck;

describe.concurrent('the npm package', () => {
  beforeAll(async () => {
    await buildIfStale();
    dir = await emptyProject();
    check = await startTypeCheck(dir);
    try {
      await install(dir, await pack(dir));
    } finally {
      check.installed();
    }
  }, 300_000);

  afterAll(async () => {
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('ships the compiled code and what it needs at run time, not the sources or tests', async () => {
    const manifest = JSON.parse(await readFile(path.join(dir, 'node_modules/dnsplane/package.json'), 'utf8')) as {
      dependencies: Record<string, string>;
    };
    expect(Object.keys(manifest.dependencies)).not.toContain('tsx');
    const { stdout } = await run('find', ['.', '-type', 'f'], { cwd: path.join(dir, 'node_modules/dnsplane') });
    const files = stdout.split('\n').filter(Boolean);
    expect(files).toContain('./dist/index.d.ts');
    expect(files).toContain('./dist/dashboard/page/index.html');
    expect(files.filter((file) => /^\.\/(src|test|scripts\/bench|docs)\//.test(file))).toEqual([]);
  });

  it('runs npx dnsplane --help, and the installed command with its dependencies (enact --help)', async () => {
    const [help, enactHelp] = await Promise.all([
      npxDnsplane(dir, ['--help']),
      installedDnsplane(dir, ['enact', '--help']),
    ]);
    expect(help).toMatch(/^ {2}enact\s+Run a fenced enactor/m);
    expect(enactHelp).toContain('--plans');
  }, 120_000);

  it('imports the API from the package root at run time', async () => {
    expect(await importApi(dir)).toBe('function function');
  });

  it("type-checks a consumer program with strict and noUncheckedIndexedAccess, dnsplane's declarations included", async () => {
    expect(await check.diagnostics).toBe('');
  }, 120_000);
});
