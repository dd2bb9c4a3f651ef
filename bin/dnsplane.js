#!/usr/bin/env node
// The dnsplane command: runs the compiled CLI in dist/. In a checkout whose src/ changed since dist/ was built
// (or that was never built), it runs src/ through tsx instead, so the command always runs the current sources
// (scripts/dist-state.mjs; docs/development.md says why).
import { fileURLToPath } from 'node:url';
import { distState } from '../scripts/dist-state.mjs';

let main;
if (distState(fileURLToPath(new URL('..', import.meta.url))) === 'stale') {
  let register;
  try {
    ({ register } = await import('tsx/esm/api'));
  } catch {
    console.error('dnsplane: dist/ is older than src/ and tsx (a dev dependency) is not installed: run npm run build');
    process.exit(1);
  }
  register();
  ({ main } = await import('../src/cli/main.ts'));
} else {
  ({ main } = await import('../dist/cli/main.js'));
}
await main(process.argv);
