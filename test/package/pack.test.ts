// The package as a user gets it (the steps are in consumer.ts): packed, installed into an empty directory, its
// command run, its API imported at run time and type-checked by a strict compiler, and the S3 store's missing
// optional client reported. After the install the four checks run at once, as they need nothing from each
// other. The time this takes is in BENCHMARKS.md (package, scripts/bench-pack.ts), not asserted here.
import { execFile } from 'node:child_process';
import { access, readFile, rm } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  buildIfStale,
  emptyProject,
  importApi,
  install,
  npxDnsplane,
  pack,
  s3StoreWithoutClient,
  typeCheckConsumer,
} from './consumer.js';

const run = promisify(execFile);
let dir: string;

describe.concurrent('the npm package', () => {
  beforeAll(async () => {
    await buildIfStale();
    dir = await emptyProject();
    await install(dir, await pack(dir));
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
    // Nothing shipped imports a devDependency (the interleavings' fast-check stays with the tests that use it),
    // except an optional peer dependency, which the tests need installed too (the S3 client).
    const shipped = path.join(dir, 'node_modules/dnsplane');
    const { devDependencies, peerDependencies } = JSON.parse(await readFile('package.json', 'utf8')) as {
      devDependencies: Record<string, string>;
      peerDependencies: Record<string, string>;
    };
    const devOnly = Object.keys(devDependencies).filter((name) => !(name in peerDependencies));
    const importsDev = await Promise.all(
      files
        .filter((file) => file.endsWith('.js'))
        .map(async (file) => {
          const text = await readFile(path.join(shipped, file), 'utf8');
          const dev = devOnly.find((name) => text.includes(`from '${name}'`) || text.includes(`from "${name}"`));
          return dev ? `${file} imports ${dev}` : undefined;
        }),
    );
    expect(importsDev.filter(Boolean)).toEqual([]);
  });

  it('runs npx dnsplane --help', async () => {
    expect(await npxDnsplane(dir, ['--help'])).toMatch(/^ {2}enact\s+Run a fenced enactor/m);
  }, 120_000);

  // The installed command with its dependencies: the settings (yaml, zod) and the plan store load, and say what is
  // missing. (The API's import below loads the enactor and the Route53 SDK.)
  it('leaves out the S3 SDK, an optional peer dependency: a --plans s3:// command says what to install', async () => {
    await expect(access(path.join(dir, 'node_modules/@aws-sdk/client-s3'))).rejects.toThrow(/ENOENT/);
    const refused = await s3StoreWithoutClient(dir);
    const { peerDependencies } = JSON.parse(await readFile('package.json', 'utf8')) as {
      peerDependencies: Record<string, string>;
    };
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain(`npm install @aws-sdk/client-s3@${peerDependencies['@aws-sdk/client-s3']}`);
  });

  it('imports the API from the package root at run time', async () => {
    expect(await importApi(dir)).toBe('function function');
  });

  it("type-checks a consumer program with strict and noUncheckedIndexedAccess, dnsplane's declarations included", async () => {
    expect(await typeCheckConsumer(dir)).toBe('');
  }, 120_000);
});
