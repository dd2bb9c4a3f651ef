// Builds dist/ (JavaScript and .d.ts, from tsconfig.build.json) for `npm ci` (prepare), `npm pack` and
// `npm run build`. dist/ is emptied first (a source deleted since the last build leaves no module behind), the
// dashboard's page files are copied beside the compiled server, and the stamp goes last (see dist-state.mjs).
// Plain JavaScript: it runs before anything is compiled.
import { spawnSync } from 'node:child_process';
import { cpSync, mkdirSync, readdirSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { STAMP } from './dist-state.mjs';

const root = fileURLToPath(new URL('..', import.meta.url));
const dist = join(root, 'dist');
const started = new Date();

rmSync(dist, { recursive: true, force: true });
const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
const result = spawnSync(process.execPath, [tsc, '-p', join(root, 'tsconfig.build.json')], { stdio: 'inherit' });
if (result.status !== 0) {
  console.error(`dnsplane: the build failed (tsc exited with ${result.status ?? result.signal}); dist/ is incomplete`);
  process.exit(1);
}
copyAssets(join(root, 'src'));
const stamp = join(dist, STAMP);
writeFileSync(stamp, `built from src/ as it was at ${started.toISOString()}\n`);
utimesSync(stamp, started, started);

/** Files under src/ that tsc does not emit (the dashboard's HTML, CSS and browser scripts). */
function copyAssets(dir) {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const from = join(dir, entry.name);
    if (entry.isDirectory()) copyAssets(from);
    else if (!entry.name.endsWith('.ts')) {
      const to = join(dist, relative(join(root, 'src'), from));
      mkdirSync(dirname(to), { recursive: true });
      cpSync(from, to);
    }
  }
}
