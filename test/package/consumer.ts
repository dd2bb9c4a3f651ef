// The package as a user gets it, step by step: `npm pack`, installed into an empty directory, then what a user
// does first: run the command, import the API at run time, and type-check a program against it with a strict
// compiler. test/package/pack.test.ts runs these steps and checks their results; scripts/bench-pack.ts times
// them (BENCHMARKS.md, "Package").
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { distState } from '../../scripts/dist-state.mjs';

const run = promisify(execFile);
const root = path.resolve(import.meta.dirname, '../..');
const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
const npx = process.platform === 'win32' ? 'npx.cmd' : 'npx';

// What tsc --init (TypeScript 5.9) writes that bears on a consumer's view of our declarations, with its lines
// "For nodejs" (lib esnext, Node's types) uncommented; Node's types are the repository's copy, what a user's
// project would already have. tsc --init's skipLibCheck is left out: check-consumer.mjs checks dnsplane's own
// declarations whatever it says.
const CONSUMER_TSCONFIG = {
  compilerOptions: {
    target: 'esnext',
    lib: ['esnext'],
    module: 'nodenext',
    strict: true,
    noUncheckedIndexedAccess: true,
    exactOptionalPropertyTypes: true,
    verbatimModuleSyntax: true,
    isolatedModules: true,
    noEmit: true,
    types: ['node'],
    typeRoots: [path.join(root, 'node_modules/@types')],
  },
  files: ['consumer.ts'],
};

/** dist/ as `npm pack`'s prepare would build it; skipped when it is current (after npm ci, in CI). */
export async function buildIfStale(): Promise<void> {
  if (distState(root) !== 'current') await run(process.execPath, ['scripts/build.mjs'], { cwd: root });
}

/**
 * An empty project directory, as `npm init` leaves it: in /dev/shm where there is one that may run programs (npx
 * runs the installed bin). Installing is mostly creating some 6,000 files, which on a shared machine's disk is
 * mostly kernel time that varies with everyone else's writes (BENCHMARKS.md, "Package"); in memory it is the
 * install's own cost.
 */
export async function emptyProject(): Promise<string> {
  const dir = await mkdtemp(path.join(scratchRoot(), 'dnsplane-pack-'));
  await writeFile(path.join(dir, 'package.json'), JSON.stringify({ name: 'consumer', private: true, type: 'module' }));
  return dir;
}

function scratchRoot(): string {
  try {
    const mounts = readFileSync('/proc/mounts', 'utf8').split('\n');
    const options = mounts
      .map((line) => line.split(' '))
      .find((fields) => fields[1] === '/dev/shm')?.[3]
      ?.split(',');
    if (options && !options.includes('noexec') && !options.includes('ro')) return '/dev/shm';
  } catch {
    // Not Linux: no /proc/mounts, and no /dev/shm to speak of.
  }
  return tmpdir();
}

/** `npm pack` into dir; returns the tarball's path. */
export async function pack(dir: string): Promise<string> {
  const packed = await run(npm, ['pack', '--ignore-scripts', '--json', '--pack-destination', dir], { cwd: root });
  const [{ filename }] = JSON.parse(packed.stdout) as Array<{ filename: string }>;
  return path.join(dir, filename);
}

/**
 * `npm install TARBALL` in dir. The registry is only asked what npm's cache (filled by npm ci) lacks. No install
 * scripts: the native addon is optional (the DNS face falls back to node:dgram), and building it is npm ci's
 * business. No lockfile: nothing here reads it.
 */
export async function install(dir: string, tarball: string): Promise<void> {
  await run(
    npm,
    ['install', tarball, '--ignore-scripts', '--prefer-offline', '--no-audit', '--no-fund', '--no-package-lock'],
    { cwd: dir },
  );
}

/** `npx dnsplane ...args` in dir, as installed (never fetched). */
export async function npxDnsplane(dir: string, args: string[]): Promise<string> {
  return (await run(npx, ['--no-install', 'dnsplane', ...args], { cwd: dir })).stdout;
}

/** The installed command itself (what npx runs, without npm's own start-up): `dnsplane ...args` in dir. */
export async function installedDnsplane(dir: string, args: string[]): Promise<string> {
  return (await run(process.execPath, [path.join(dir, 'node_modules/.bin/dnsplane'), ...args], { cwd: dir })).stdout;
}

/**
 * What a command with `--plans s3://...` says when the optional S3 client is not installed (npm does not install
 * an optional peer dependency): its exit code and stderr.
 */
export async function s3StoreWithoutClient(dir: string): Promise<{ code: number; stderr: string }> {
  const args = ['freeze', '--plans', 's3://dnsplane-plans/x', '--reason', 'a test'];
  return installedDnsplane(dir, args).then(
    () => ({ code: 0, stderr: '' }),
    (error: { code: number; stderr: string }) => ({ code: error.code, stderr: error.stderr }),
  );
}

/** Imports the package root at run time in dir; returns what typeof says of two of its exports. */
export async function importApi(dir: string): Promise<string> {
  const script = "const api = await import('dnsplane'); console.log(typeof api.startAuthority, typeof api.Enactor)";
  return (await run(process.execPath, ['--input-type=module', '-e', script], { cwd: dir })).stdout.trim();
}

/**
 * Writes test/package/fixtures/consumer.ts, importing from 'dnsplane', into dir with the tsconfig above, and
 * type-checks it (fixtures/check-consumer.mjs); resolves with the compiler's diagnostics, empty when it is clean.
 */
export async function typeCheckConsumer(dir: string): Promise<string> {
  await writeFile(path.join(dir, 'tsconfig.json'), JSON.stringify(CONSUMER_TSCONFIG));
  const program = await readFile(path.join(import.meta.dirname, 'fixtures/consumer.ts'), 'utf8');
  // The user's import, and proof that the compiler runs with noUncheckedIndexedAccess (the directive must be used).
  const strictness = `\n// @ts-expect-error the first endpoint may be missing\nexport const first: string = plan.endpoints[0].name;\n`;
  await writeFile(path.join(dir, 'consumer.ts'), program.replace("'../../../src/index.js'", "'dnsplane'") + strictness);
  try {
    await run(process.execPath, [path.join(import.meta.dirname, 'fixtures/check-consumer.mjs'), dir]);
    return '';
  } catch (error) {
    // Diagnostics, or the checker itself failed (then nothing on stdout, and that must not pass for clean).
    const { stdout } = error as { stdout?: string };
    if (stdout) return stdout;
    throw error;
  }
}
