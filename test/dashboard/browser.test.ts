// The dashboard as an operator sees it: the page in headless Chromium, live, while the October 2025 race runs
// in this process against the real authority. The legacy race must turn the regional endpoint red (EMPTY) and
// the chart must show the empty answers and the cleanup removing records; the safe race must never show EMPTY.
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { FileSource } from '../../src/dashboard/file-source.js';
import { writeManifest } from '../../src/deploy/processes.js';
import { AuditLog } from '../../src/enactor/audit.js';
import { startRaceDashboard, type RaceDashboard } from '../../src/dashboard/race.js';
import { startDashboard } from '../../src/dashboard/server.js';
import { writeProbeStatus } from '../../src/probe/status-file.js';
import { FilePlanStore } from '../../src/plan/file-store.js';
import { REGIONAL_ENDPOINT } from '../../src/scenario/race-rig.js';
import { runRace } from '../../src/scenario/race.js';
import { planOf, startRig } from '../enactor/harness.js';
import { startTestAuthority } from '../helpers/authority.js';
import { describeWithTools } from '../helpers/tools.js';

const ROW = `#endpoints tr[data-endpoint="${REGIONAL_ENDPOINT} A"]`;
const CHART = `#charts .chart[data-endpoint="${REGIONAL_ENDPOINT} A"]`;
const ARTIFACTS = path.resolve(import.meta.dirname, '../../test-artifacts');

// Code that runs in the page, as text: the tests are compiled without the DOM library.
const IN_PAGE = {
  backgroundColor: (selector: string) =>
    `getComputedStyle(document.querySelector(${JSON.stringify(selector)})).backgroundColor`,
  /** Counts every state any endpoint row is rendered in, once the page shows the safe race. */
  recordStates: `(() => {
    const seen = (window.seenStates = {});
    new MutationObserver(() => {
      if (document.getElementById('source').textContent !== 'safe race') return;
      for (const row of document.querySelectorAll('#endpoints tr[data-state]')) seen[row.dataset.state] = (seen[row.dataset.state] ?? 0) + 1;
    }).observe(document.getElementById('endpoints'), { subtree: true, childList: true, attributes: true });
  })()`,
  /** The row's "live fence gen" cell (the fourth) holds the given text. */
  liveGenerationIs: '([row, generation]) => document.querySelector(row)?.cells[3].textContent === generation',
  enactorsInconsistent: '(n) => document.querySelectorAll(\'#enactors tr[data-state="inconsistent"]\').length >= n',
  showsSafeMatch:
    "(row) => document.getElementById('source').textContent === 'safe race' && document.querySelector(row)?.getAttribute('data-state') === 'match'",
};

async function screenshot(page: Page, name: string): Promise<void> {
  await fs.mkdir(ARTIFACTS, { recursive: true });
  await fs.writeFile(path.join(ARTIFACTS, name), await page.screenshot({ fullPage: true }));
}

describeWithTools(['chromium'], 'the dashboard in headless Chromium during the race', () => {
  let context: BrowserContext;
  let page: Page;
  let dashboard: RaceDashboard;
  let profile: string;
  const pageErrors: string[] = [];

  beforeAll(async () => {
    profile = await fs.mkdtemp(path.join(os.tmpdir(), 'dnsplane-chromium-'));
    context = await chromium.launchPersistentContext(profile, {
      executablePath: '/usr/bin/chromium',
      headless: true,
      args: [
        '--headless',
        '--no-sandbox',
        '--disable-gpu',
        '--no-first-run',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
        '--disable-quic',
      ],
      viewport: { width: 1400, height: 900 },
    });
    dashboard = await startRaceDashboard({ port: 0 });
    page = context.pages()[0] ?? (await context.newPage());
    page.on('pageerror', (error) => pageErrors.push(error.message));
    page.on('console', (message) => {
      if (message.type() === 'error') pageErrors.push(message.text());
    });
    await page.goto(dashboard.url);
    await page.waitForSelector('#source:text("waiting for the race to start")');
  });

  afterAll(async () => {
    await context?.close();
    await dashboard?.close();
    if (profile) await fs.rm(profile, { recursive: true, force: true });
  });

  it('legacy race: the endpoint turns EMPTY and the chart marks the empty answers and the removed records', async () => {
    const { summary } = await runRace({ mode: 'legacy', onLive: dashboard.onLive });
    expect(summary.emptyObservations).toBeGreaterThan(0);

    await page.waitForSelector(`${ROW}[data-state="empty"]`, { timeout: 10_000 });
    expect(await page.textContent('#source')).toBe('legacy race');
    expect(await page.textContent(`${ROW} .state`)).toBe('empty');
    // Red, not merely labelled: the badge's computed colour is the alarm red of the stylesheet.
    expect(await page.evaluate(IN_PAGE.backgroundColor(`${ROW} .state`))).toBe('rgb(213, 0, 0)');
    // The chart draws the empty answers (NODATA) on the endpoint's lanes, and marks the cleanup that caused them.
    await page.waitForSelector(`${CHART} rect[data-result="nodata"]`);
    expect(await page.$$eval(`${CHART} rect[data-result="answered"]`, (rects) => rects.length)).toBeGreaterThan(0);
    expect(await page.$$eval(`${CHART} g[data-kind="records-removed"]`, (marks) => marks.length)).toBeGreaterThan(0);
    expect(await page.$$eval(`${CHART} g[data-kind="plan"]`, (marks) => marks.length)).toBeGreaterThanOrEqual(
      summary.latestGeneration - 1,
    );
    expect(await page.textContent(`${CHART} h3`)).toMatch(/\d+ empty answers/);
    // The audit tail names the legacy cleanup, and the enactors show they are stuck.
    expect(await page.$$eval('#audit tr[data-kind="records-removed"]', (rows) => rows.length)).toBeGreaterThan(0);
    // The enactor rows follow the enactors' last passes, which the page may not have polled yet when the race ends.
    await page.waitForFunction(IN_PAGE.enactorsInconsistent, 3, { timeout: 10_000 }).catch(() => undefined);
    expect(await page.$$eval('#enactors tr[data-state="inconsistent"]', (rows) => rows.length)).toBe(3);
    await screenshot(page, 'dashboard-legacy.png');
    expect(pageErrors).toEqual([]);
  });

  it('safe race: the page never shows an endpoint EMPTY, and its chart has no empty answers', async () => {
    // Record every state any endpoint row is rendered in once the page shows the safe race.
    await page.evaluate(IN_PAGE.recordStates);
    const { summary } = await runRace({ mode: 'safe', onLive: dashboard.onLive });
    expect(summary.emptyObservations).toBe(0);
    expect(summary.converged).toBe(true);

    await page.waitForFunction(IN_PAGE.showsSafeMatch, ROW, { timeout: 10_000 });
    // What the page shows at the end is where the race ended: the latest generation, live in the fence.
    await page.waitForFunction(IN_PAGE.liveGenerationIs, [ROW, String(summary.latestGeneration)], { timeout: 10_000 });
    const seen = await page.evaluate<Record<string, number>>('window.seenStates');
    expect(seen.empty).toBeUndefined();
    expect(seen.match).toBeGreaterThan(0);
    expect(await page.$$eval(`${CHART} rect[data-result="answered"]`, (rects) => rects.length)).toBeGreaterThan(0);
    expect(
      await page.$$eval(
        `${CHART} rect[data-result="nodata"], ${CHART} rect[data-result="nxdomain"]`,
        (rects) => rects.length,
      ),
    ).toBe(0);
    // The delayed enactor's stale write was turned away by the fence, and the chart says so.
    expect(summary.staleWriteLanded).toBe(false);
    expect(
      await page.$$eval(
        `${CHART} g[data-kind="fence-rejected"], ${CHART} g[data-kind="stood-down"]`,
        (marks) => marks.length,
      ),
    ).toBeGreaterThan(0);
    // In the audit tail those are the fence working, in calm green with a tick, not alarms.
    const fenceRows = await page.evaluate<Array<{ verdict: string; text: string; colour: string }>>(
      `[...document.querySelectorAll('#audit tr[data-kind="fence-rejected"], #audit tr[data-kind="stood-down"]')].map((row) => ({ verdict: row.dataset.verdict, text: row.children[2].textContent, colour: getComputedStyle(row.children[2]).color }))`,
    );
    expect(fenceRows.length).toBeGreaterThan(0);
    for (const row of fenceRows)
      expect(row).toEqual({
        verdict: 'fence-working',
        text: expect.stringMatching(/fence held$/),
        colour: 'rgb(46, 125, 50)',
      });
    // The legacy race stays below as the previous run, EMPTY, for comparison; that is the README's picture.
    expect(await page.textContent('#previous h2')).toBe('Previous run: legacy race (as last shown)');
    expect(
      await page.$$eval(
        `#previous tr[data-endpoint="${REGIONAL_ENDPOINT} A"][data-state="empty"]`,
        (rows) => rows.length,
      ),
    ).toBe(1);
    await screenshot(page, 'dashboard-safe.png');
    expect(pageErrors).toEqual([]);
  });

  it('after start-up: a planned, never-applied endpoint is pending (not EMPTY, no empty answers counted), the header names the zone, a freeze is shown with reason and author', async () => {
    const test = await startTestAuthority();
    const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'dnsplane-dashboard-pending-'));
    const store = new FilePlanStore(path.join(dir, 'plans'));
    const zoneId = await test.createZone('pending.test.');
    await store.write({
      generation: 1,
      createdAt: new Date().toISOString(),
      createdBy: 'test',
      zone: 'pending.test.',
      endpoints: [
        {
          name: 'api.pending.test.',
          type: 'A',
          ttl: 30,
          sets: [{ setIdentifier: 'a', weight: 1, values: ['192.0.2.1'] }],
        },
      ],
    });
    await store.writeFreeze({ reason: 'incident <42>', author: 'ops@host', at: '2026-12-06T20:00:00.000Z' });
    // The probe started before the first apply: NXDOMAIN, never answered.
    const probeFile = path.join(dir, 'probe-status.json');
    const at = new Date().toISOString();
    await writeProbeStatus(probeFile, {
      version: 1,
      updatedAt: at,
      intervalMs: 1000,
      endpoints: [
        {
          endpoint: 'api.pending.test. A',
          path: 'authority',
          server: '127.0.0.1:53',
          result: 'nxdomain',
          values: [],
          at,
          observations: 3,
          availability: 0,
        },
      ],
    });
    const source = new FileSource({ store, client: test.port, zoneId, probeStatusFile: probeFile, pollMs: 100 });
    const server = await startDashboard({ source, port: 0 });
    const other = await context.newPage();
    try {
      await other.goto(server.url);
      await other.waitForSelector('#endpoints tr[data-endpoint="api.pending.test. A"][data-state="pending"]');
      expect(await other.textContent('#endpoints tr[data-state="pending"] .state')).toBe('pending');
      // Its chart draws the NXDOMAIN but counts no empty answers: the name never answered, so nothing went empty.
      const heading = '#charts .chart[data-endpoint="api.pending.test. A"] h3';
      await other.waitForSelector(heading);
      expect(await other.textContent(heading)).toBe('api.pending.test. A');
      expect(await other.textContent('#zone')).toBe(`pending.test. (${zoneId})`);
      expect(await other.textContent('#freeze')).toBe(
        'FROZEN since 2026-12-06T20:00:00.000Z by ops@host: incident <42>. dnsplane thaw resumes writing.',
      );
      expect(await other.isVisible('#freeze')).toBe(true);
    } finally {
      await other.close();
      await server.close();
      await source.close();
      await test.close();
      await fs.rm(dir, { recursive: true, force: true });
    }
  });

  it('says when the plan store is behind the live fences (issue 12: a new or wiped store), and what to run', async () => {
    const rig = await startRig();
    const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'dnsplane-dashboard-behind-'));
    // The deployment's own store moved the fences to generation 3; the dashboard reads a fresh store at 1.
    await rig.writePlan(3, { api: [10, 20] });
    await rig.enactor('e1').runOnce();
    const fresh = new FilePlanStore(path.join(dir, 'plans'));
    await fresh.write(planOf(1, { api: [10, 20] }));
    const source = new FileSource({ store: fresh, client: rig.port, zoneId: rig.zoneId, pollMs: 100 });
    const server = await startDashboard({ source, port: 0 });
    const other = await context.newPage();
    try {
      await other.goto(server.url);
      await other.waitForSelector('#store-behind', { state: 'visible', timeout: 10_000 });
      expect(await other.textContent('#store-behind')).toBe(
        'plan store is behind the zone: highest plan 1, live fences at 3; run `dnsplane plan --write` (it numbers from the live fences) or point --plans at the right store',
      );
      expect(await other.isVisible('#store-behind')).toBe(true);
    } finally {
      await other.close();
      await server.close();
      await source.close();
      await rig.close();
      await fs.rm(dir, { recursive: true, force: true });
    }
  });

  it('lists a running enactor that has written no audit line yet, saying so and how it is known', async () => {
    const rig = await startRig();
    const auditFile = path.join(rig.dir, 'audit.jsonl');
    const runDir = path.join(rig.dir, 'up');
    await rig.writePlan(1, { api: [10, 20] });
    await rig.enactor('az1', { audit: new AuditLog(auditFile) }).runOnce();
    // az2 runs too (the manifest says so) but found everything in sync: no audit line.
    await writeManifest(runDir, {
      startedAt: new Date().toISOString(),
      processes: [],
      endpoints: {},
      enactors: ['az1', 'az2'],
    });
    const source = new FileSource({
      store: rig.store,
      client: rig.port,
      zoneId: rig.zoneId,
      auditFile,
      runDir,
      pollMs: 100,
    });
    const server = await startDashboard({ source, port: 0 });
    const other = await context.newPage();
    try {
      await other.goto(server.url);
      const quiet = '#enactors tr[data-enactor="az2"][data-state="none"]';
      await other.waitForSelector(quiet, { timeout: 10_000 });
      expect(await other.$$eval(`${quiet} td`, (cells) => cells.map((cell) => cell.textContent))).toEqual([
        'az2',
        'no audit lines yet',
        'never',
        'known from the run manifest (up.json)',
      ]);
      expect(await other.getAttribute('#enactors tr[data-enactor="az1"]', 'data-state')).toBe('applied');
    } finally {
      await other.close();
      await server.close();
      await source.close();
      await rig.close();
    }
  });

  it("shows the probe's diagnosis: the authority down, then the resolver still failing after it is back, then ok", async () => {
    const test = await startTestAuthority();
    const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'dnsplane-dashboard-diagnosis-'));
    const probeFile = path.join(dir, 'probe-status.json');
    // What `dnsplane probe --status-file` writes: the overall diagnosis beside the per-path results.
    const writeDiagnosis = (diagnosis: 'authority-down' | 'resolver-failing' | 'ok', detail: string) => {
      const at = new Date().toISOString();
      const entry = (path: 'authority' | 'resolver', result: 'answered' | 'timeout' | 'servfail') => ({
        endpoint: 'api.diag.test. A',
        path,
        server: '127.0.0.1:53',
        result,
        values: result === 'answered' ? ['192.0.2.1'] : [],
        at,
        observations: 3,
        availability: 0.5,
      });
      return writeProbeStatus(probeFile, {
        version: 1,
        updatedAt: at,
        intervalMs: 500,
        diagnosis: { diagnosis, detail },
        diagnoses: [{ endpoint: 'api.diag.test. A', diagnosis, detail }],
        endpoints: [
          entry('authority', diagnosis === 'authority-down' ? 'timeout' : 'answered'),
          entry('resolver', diagnosis === 'ok' ? 'answered' : 'servfail'),
        ],
      });
    };
    await writeDiagnosis('authority-down', 'api.diag.test. A: the authority does not answer (TIMEOUT) since 22:40:01');
    const source = new FileSource({
      store: new FilePlanStore(path.join(dir, 'plans')),
      client: test.port,
      zoneId: await test.createZone('diag.test.'),
      probeStatusFile: probeFile,
      pollMs: 100,
    });
    const server = await startDashboard({ source, port: 0 });
    const other = await context.newPage();
    try {
      await other.goto(server.url);
      await other.waitForSelector('#diagnosis[data-diagnosis="authority-down"]');
      expect(await other.textContent('#diagnosis')).toBe(
        'probe: authority down: api.diag.test. A: the authority does not answer (TIMEOUT) since 22:40:01',
      );
      expect(await other.evaluate(IN_PAGE.backgroundColor('#diagnosis'))).toBe('rgb(255, 235, 238)');
      await writeDiagnosis(
        'resolver-failing',
        'api.diag.test. A: the resolver still fails (SERVFAIL) since 22:40:01, the authority answers again since 22:40:05',
      );
      await other.waitForSelector('#diagnosis[data-diagnosis="resolver-failing"]');
      expect(await other.textContent('#diagnosis')).toBe(
        'probe: resolver still failing after the authority is back: api.diag.test. A: the resolver still fails (SERVFAIL) since 22:40:01, the authority answers again since 22:40:05',
      );
      await writeDiagnosis('ok', 'every endpoint answers as planned');
      await other.waitForSelector('#diagnosis[data-diagnosis="ok"]');
      expect(await other.textContent('#diagnosis')).toBe('probe: ok: every endpoint answers as planned');
      expect(await other.isVisible('#diagnosis')).toBe(true);
    } finally {
      await other.close();
      await server.close();
      await source.close();
      await test.close();
      await fs.rm(dir, { recursive: true, force: true });
    }
  });

  it('shows hostile text from the audit log as text: no markup is parsed, no script runs', async () => {
    const test = await startTestAuthority();
    const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'dnsplane-dashboard-xss-'));
    const hostile = '<img src=x onerror="window.pwned=1"><b>bold</b>';
    const auditFile = path.join(dir, 'audit.jsonl');
    await fs.writeFile(
      auditFile,
      `${JSON.stringify({ time: new Date().toISOString(), enactor: `e<script>window.pwned=2</script>`, generation: 1, endpoint: 'api.x.test. A', changes: [], outcome: 'rejected', detail: hostile })}\n`,
    );
    const source = new FileSource({
      store: new FilePlanStore(path.join(dir, 'plans')),
      client: test.port,
      zoneId: await test.createZone('x.test.'),
      auditFile,
      pollMs: 100,
    });
    const server = await startDashboard({ source, port: 0 });
    const other = await context.newPage();
    try {
      await other.goto(server.url);
      await other.waitForSelector('#audit tr[data-kind="fence-rejected"]');
      expect(await other.textContent('#audit tr[data-kind="fence-rejected"] td:last-child')).toBe(hostile);
      expect(await other.textContent('#enactors tbody td:first-child')).toBe('e<script>window.pwned=2</script>');
      expect(await other.$$eval('#audit img, #audit b, #enactors script', (elements) => elements.length)).toBe(0);
      expect(await other.evaluate('window.pwned')).toBeUndefined();
    } finally {
      await other.close();
      await server.close();
      await source.close();
      await test.close();
      await fs.rm(dir, { recursive: true, force: true });
    }
  });
});
