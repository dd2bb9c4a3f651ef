// The package as a user gets it: `npm pack`, installed into an empty directory, then what a user does first —
// run the command, import the API at run time, and type-check a program against it with a strict compiler.
// The time this takes is in BENCHMARKS.md (package), not asserted here.
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { distState } from '../../scripts/dist-state.mjs';

const run = promisify(execFile);
const root = path.resolve(import.meta.dirname, '../..');
const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
let dir: string;

// Uses what a user's project would already have: TypeScript and Node's types (the repository's own copies).
const CONSUMER_TSCONFIG = {
  compilerOptions: {
    target: 'ES2022',
    module: 'NodeNext',
    moduleResolution: 'NodeNext',
    strict: true,
    noUncheckedIndexedAccess: true,
    // tsc --init's default: dnsplane's .d.ts are still read for every type used below (IsAny catches a type
    // that did not resolve), but the AWS SDK's thousands of declarations are not re-checked.
    skipLibCheck: true,
    noEmit: true,
    types: ['node'],
    typeRoots: [path.join(root, 'node_modules/@types')],
  },
  files: ['consumer.ts'],
};

describe('the npm package', () => {
  beforeAll(async () => {
    // What npm pack's prepare would do; skipped when dist/ is current (after npm ci, in CI).
    if (distState(root) !== 'current') await run(process.execPath, ['scripts/build.mjs'], { cwd: root });
    dir = await mkdtemp(path.join(tmpdir(), 'dnsplane-pack-'));
    await writeFile(
      path.join(dir, 'package.json'),
      JSON.stringify({ name: 'consumer', private: true, type: 'module' }),
    );
    const packed = await run(npm, ['pack', '--ignore-scripts', '--json', '--pack-destination', dir], { cwd: root });
    const [{ filename }] = JSON.parse(packed.stdout) as Array<{ filename: string }>;
    // The registry is only asked what npm's cache (filled by npm ci) lacks. No install scripts: the native
    // addon is optional (the DNS face falls back to node:dgram), and building it is npm ci's business.
    await run(
      npm,
      ['install', path.join(dir, filename), '--ignore-scripts', '--prefer-offline', '--no-audit', '--no-fund'],
      {
        cwd: dir,
      },
    );
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

  it('runs npx dnsplane --help, and a command that loads its dependencies', async () => {
    const help = await run('npx', ['--no-install', 'dnsplane', '--help'], { cwd: dir });
    expect(help.stdout).toMatch(/^ {2}enact\s+Run a fenced enactor/m);
    const enact = await run('npx', ['--no-install', 'dnsplane', 'enact', '--help'], { cwd: dir });
    expect(enact.stdout).toContain('--plans');
  });

  it('imports the API from the package root at run time', async () => {
    const { stdout } = await run(
      process.execPath,
      [
        '--input-type=module',
        '-e',
        "const api = await import('dnsplane'); console.log(typeof api.startAuthority, typeof api.Enactor)",
      ],
      { cwd: dir },
    );
    expect(stdout.trim()).toBe('function function');
  });

  it('type-checks a consumer program with strict and noUncheckedIndexedAccess', async () => {
    await writeFile(path.join(dir, 'tsconfig.json'), JSON.stringify(CONSUMER_TSCONFIG));
    const program = await readFile(path.join(import.meta.dirname, 'fixtures/consumer.ts'), 'utf8');
    // The user's import, and proof that the compiler runs with noUncheckedIndexedAccess (the directive must be used).
    const strictness = `\n// @ts-expect-error the first endpoint may be missing\nexport const first: string = plan.endpoints[0].name;\n`;
    await writeFile(
      path.join(dir, 'consumer.ts'),
      program.replace("'../../../src/index.js'", "'dnsplane'") + strictness,
    );
    const tsc = path.join(root, 'node_modules/typescript/bin/tsc');
    const checked = await run(process.execPath, [tsc, '-p', dir]).catch((error: { stdout: string }) => error);
    expect(checked.stdout).toBe('');
  });
});
