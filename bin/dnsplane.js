#!/usr/bin/env node
// The dnsplane command. It loads the TypeScript CLI through tsx so that no build step is needed after `npm ci`.
import { register } from 'tsx/esm/api';

register();
const { main } = await import('../src/cli/main.ts');
await main(process.argv);
