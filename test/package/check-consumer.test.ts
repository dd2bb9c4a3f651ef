// fixtures/check-consumer.mjs, the pack test's compiler, on a tiny project: an error in dnsplane's declarations
// fails the check (skipLibCheck, tsc --init's default, would hide it), an error in another package's does not.
import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const run = promisify(execFile);
const checker = path.join(import.meta.dirname, 'fixtures/check-consumer.mjs');
// Each check starts a compiler: seconds apiece on two busy cores.
const CHECK_TIMEOUT_MS = 120_000;
let dir: string;

async function writePackage(name: string, declaration: string): Promise<void> {
  const at = path.join(dir, 'node_modules', name);
  await mkdir(at, { recursive: true });
  await writeFile(path.join(at, 'package.json'), JSON.stringify({ name, type: 'module', types: './index.d.ts' }));
  await writeFile(path.join(at, 'index.d.ts'), declaration);
}

async function check(consumer: string): Promise<{ code: number; stdout: string }> {
  await writeFile(path.join(dir, 'consumer.ts'), consumer);
  return run(process.execPath, [checker, dir]).then(
    ({ stdout }) => ({ code: 0, stdout }),
    (error: { code: number; stdout: string }) => ({ code: error.code, stdout: error.stdout }),
  );
}

describe('check-consumer.mjs', () => {
  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'dnsplane-check-consumer-'));
    await writeFile(
      path.join(dir, 'package.json'),
      JSON.stringify({ name: 'consumer', private: true, type: 'module' }),
    );
    // No DOM and no @types: the smallest program that shows the difference.
    const options = { module: 'nodenext', lib: ['es2022'], strict: true, skipLibCheck: true, noEmit: true, types: [] };
    await writeFile(
      path.join(dir, 'tsconfig.json'),
      JSON.stringify({ compilerOptions: options, files: ['consumer.ts'] }),
    );
    await writePackage('dnsplane', 'export declare const planned: PlannedButNeverDeclared;\n');
    await writePackage('other', 'export declare const lent: number;\nexport declare const broken: OthersProblem;\n');
  });

  afterAll(async () => {
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it(
    "reports an error in dnsplane's declarations even under skipLibCheck",
    async () => {
      const result = await check("import { planned } from 'dnsplane';\nexport const used = planned;\n");
      expect(result.code).toBe(1);
      expect(result.stdout).toMatch(/node_modules\/dnsplane\/index\.d\.ts.*Cannot find name 'PlannedButNeverDeclared'/);
    },
    CHECK_TIMEOUT_MS,
  );

  it(
    "leaves other packages' declarations to them, and still checks the consumer against their types",
    async () => {
      expect(await check("import { lent } from 'other';\nexport const doubled: number = lent * 2;\n")).toEqual({
        code: 0,
        stdout: '',
      });
      const misuse = await check("import { lent } from 'other';\nexport const name: string = lent;\n");
      expect(misuse.code).toBe(1);
      expect(misuse.stdout).toMatch(/consumer\.ts.*Type 'number' is not assignable to type 'string'/);
    },
    CHECK_TIMEOUT_MS,
  );
});
