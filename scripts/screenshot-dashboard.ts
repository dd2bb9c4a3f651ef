// `node bin/run-ts.js scripts/screenshot-dashboard.ts [--out docs/dashboard.png] [--settle-s 20]`: the README's
// dashboard picture as an operator first sees it: `dnsplane up` on free ports in a temporary run directory,
// headless Chromium on its dashboard until every endpoint is MATCH and the probe's diagnosis is ok (then
// --settle-s more seconds, so the charts have some history), a full-page screenshot, `dnsplane down`.
import { spawn } from 'node:child_process';
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { chromium } from 'playwright-core';
import { HELP_OPTION, integerOption, parseScriptArgs } from './script-args.js';

const USAGE = `usage: node bin/run-ts.js scripts/screenshot-dashboard.ts [--out docs/dashboard.png] [--settle-s 20]`;
const { values } = parseScriptArgs('screenshot-dashboard', USAGE, () =>
  parseArgs({
    options: {
      ...HELP_OPTION,
      out: { type: 'string', default: 'docs/dashboard.png' },
      'settle-s': { type: 'string', default: '20' },
    },
  }),
);
const settleMs = integerOption('screenshot-dashboard', 'settle-s', values['settle-s'], 0) * 1000;
const BIN = fileURLToPath(new URL('../bin/dnsplane.js', import.meta.url));

/** Runs dnsplane to its end; resolves with its stdout, rejects with its output when it fails. */
function dnsplane(args: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    // DNSPLANE_CONFIG empty: up writes no settings file here, and no earlier one is read.
    const child = spawn(process.execPath, [BIN, ...args], {
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, DNSPLANE_CONFIG: '' },
    });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.once('exit', (code) =>
      code === 0 ? resolve(output) : reject(new Error(`dnsplane ${args[0]} exited ${code}:\n${output}`)),
    );
  });
}

const runDir = await fs.mkdtemp(path.join(os.tmpdir(), 'dnsplane-screenshot-'));
const profile = await fs.mkdtemp(path.join(os.tmpdir(), 'dnsplane-chromium-'));
try {
  const ports = ['--api-port', '0', '--dns-port', '0', '--resolver-port', '0', '--dashboard-port', '0'];
  const started = await dnsplane(['up', '--run-dir', runDir, ...ports]);
  const url = /^\s*dashboard\s+(http:\/\/\S+)/m.exec(started)?.[1];
  if (!url) throw new Error(`dnsplane up printed no dashboard address:\n${started}`);
  console.log(`dnsplane up: dashboard ${url}`);
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: '/usr/bin/chromium',
    headless: true,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking'],
    viewport: { width: 1400, height: 900 },
  });
  try {
    const page = context.pages()[0] ?? (await context.newPage());
    await page.goto(url);
    // Healthy: at least one endpoint, every one MATCH, and the probe says every endpoint answers as planned.
    // (Polled from here: the page's Content-Security-Policy forbids the in-page eval waitForFunction uses.)
    const healthy = `(() => {
      const rows = [...document.querySelectorAll('#endpoints tr[data-state]')];
      return rows.length > 0 && rows.every((row) => row.dataset.state === 'match') &&
        document.querySelector('#diagnosis')?.dataset.diagnosis === 'ok';
    })()`;
    const deadline = Date.now() + 120_000;
    while (!(await page.evaluate(healthy))) {
      if (Date.now() > deadline) throw new Error('the dashboard did not show a healthy deployment within 120 s');
      await sleep(500);
    }
    await sleep(settleMs);
    await fs.writeFile(values.out, await page.screenshot({ fullPage: true }));
    console.log(`wrote ${values.out}`);
  } finally {
    await context.close();
  }
} finally {
  await dnsplane(['down', '--run-dir', runDir, '--grace', '1s']).catch((error: Error) => console.error(error.message));
  await fs.rm(runDir, { recursive: true, force: true });
  await fs.rm(profile, { recursive: true, force: true });
}
