// The dashboard over what separately started processes leave behind: the plan store and Route53 (read as
// `dnsplane status` reads them), the probe's status file, the enactors' audit log and, for a `dnsplane up`
// deployment, its run manifest (which enactors it runs). The probe status file holds only the last observation
// per endpoint, so this source polls it and keeps the history itself: the chart starts when the dashboard
// starts, at the probe's own interval or the poll interval, whichever is slower.
import { open, stat } from 'node:fs/promises';
import { readManifest } from '../deploy/processes.js';
import type { AuditEntry } from '../enactor/audit.js';
import { RingBuffer } from '../probe/health.js';
import { probeStatusStaleness, readProbeStatus, type ProbeStatus } from '../probe/status-file.js';
import { activityOfAudit } from './activity.js';
import { HistorySource, type StatusTarget } from './history.js';
import type { DashboardStatus, Timeline, TimelineObservation } from './model.js';
import { probeCellsOfFile } from './rows.js';

export interface FileSourceOptions extends StatusTarget {
  /** Written by `dnsplane probe --status-file`; a missing file means no probe runs. */
  probeStatusFile?: string;
  /** Written by `dnsplane enact --audit`; a missing file means no enactor has written yet. */
  auditFile?: string;
  /** A `dnsplane up` run directory: its manifest names the enactors the deployment runs (missing: none). */
  runDir?: string;
  /** How often the files and the plan store are read (default 500 ms). */
  pollMs?: number;
  /** Route53 is listed at most this often; pages in between get the last reading (default 0: every request). */
  readIntervalMs?: number;
  /** Observations kept (default 20,000). */
  timelineSize?: number;
}

/** On start only the end of a long audit log is read: the dashboard shows a tail, not the history. */
const AUDIT_START_BYTES = 1 << 20;

export class FileSource extends HistorySource {
  private readonly observations: RingBuffer<TimelineObservation>;
  private readonly lastSeen = new Map<string, number>();
  private lastProbe: ProbeStatus | undefined;
  private lastFreeze = 'null';
  private startedEnactors: string[] = [];
  private auditOffset: number | undefined;
  private skippedAudit = { lines: 0, last: '' };
  private readonly errors = new Map<string, string>();
  private readonly timer: NodeJS.Timeout;
  private polling: Promise<void> | undefined;

  constructor(private readonly options: FileSourceOptions) {
    const parts = [
      options.store.location,
      options.probeStatusFile && `probe ${options.probeStatusFile}`,
      options.auditFile && `audit ${options.auditFile}`,
    ];
    super(options, parts.filter(Boolean).join(' + '), options.readIntervalMs);
    this.observations = new RingBuffer(options.timelineSize ?? 20_000);
    this.timer = setInterval(() => void this.poll(), options.pollMs ?? 500);
    this.timer.unref();
  }

  /** Reads everything once (one read at a time: callers meanwhile share it); resolves when done. */
  poll(): Promise<void> {
    this.polling ??= Promise.all([
      this.step('plan store', () => this.history.refreshPlans().then(() => false)),
      this.step('probe status file', () => this.readProbe()),
      this.step('audit log', () => this.readAudit()),
      this.step('freeze marker', () => this.readFreeze()),
      this.step('run manifest', () => this.readManifest()),
    ])
      .then((changed) => {
        if (changed.some(Boolean)) this.history.notify();
      })
      .finally(() => {
        this.polling = undefined;
      });
    return this.polling;
  }

  /** Reads the files first, so that an answer is never older than the files at the time of the request. */
  async status(): Promise<DashboardStatus> {
    await this.poll();
    const errors = [...this.errors.entries()].map(([what, message]) => `${what}: ${message}`);
    // Skipped lines stay reported: they are gone from the next read, but an operator must hear of them.
    const stale = this.options.probeStatusFile
      ? probeStatusStaleness(this.options.probeStatusFile, this.lastProbe)
      : undefined;
    if (stale) errors.push(`probe status file: ${stale}`);
    if (this.skippedAudit.lines > 0)
      errors.push(
        `audit log: ${this.options.auditFile} has ${this.skippedAudit.lines} line(s) that are not audit entries, skipped (last: ${this.skippedAudit.last})`,
      );
    return this.history.status(
      probeCellsOfFile(this.lastProbe),
      errors,
      this.lastProbe?.diagnosis ?? null,
      this.startedEnactors,
    );
  }

  async timeline(since: number): Promise<Timeline> {
    await this.poll();
    const observations = this.observations.toArray().filter((observation) => observation.at > since);
    return this.history.timeline(
      since,
      observations,
      (this.lastProbe?.endpoints ?? []).map((entry) => entry.endpoint),
    );
  }

  async close(): Promise<void> {
    clearInterval(this.timer);
    await this.polling;
  }

  private async step(what: string, read: () => Promise<boolean>): Promise<boolean> {
    try {
      const changed = await read();
      this.errors.delete(what);
      return changed;
    } catch (error) {
      this.errors.set(what, (error as Error).message);
      return false;
    }
  }

  /** A freeze or thaw changes the page at once (the status answer is cached until something changes). */
  private async readFreeze(): Promise<boolean> {
    const seen = JSON.stringify((await this.options.store.readFreeze?.()) ?? null);
    const changed = seen !== this.lastFreeze;
    this.lastFreeze = seen;
    return changed;
  }

  /** The enactors a `dnsplane up` deployment runs; none once `down` has removed its manifest. */
  private async readManifest(): Promise<boolean> {
    if (!this.options.runDir) return false;
    const started = (await readManifest(this.options.runDir))?.enactors ?? [];
    const changed = started.join('\n') !== this.startedEnactors.join('\n');
    this.startedEnactors = started;
    return changed;
  }

  /** New observations are the entries whose time moved since the last read. */
  private async readProbe(): Promise<boolean> {
    if (!this.options.probeStatusFile) return false;
    const status = await readProbeStatus(this.options.probeStatusFile);
    this.lastProbe = status;
    let changed = false;
    for (const entry of status?.endpoints ?? []) {
      const at = Date.parse(entry.at);
      const key = `${entry.endpoint}|${entry.path}`;
      if ((this.lastSeen.get(key) ?? -1) >= at) continue;
      this.lastSeen.set(key, at);
      this.observations.push({
        at,
        endpoint: entry.endpoint,
        path: entry.path,
        result: entry.result,
        ...(entry.latencyMs !== undefined ? { latencyMs: entry.latencyMs } : {}),
        ...(status?.generation !== undefined ? { generation: status.generation } : {}),
      });
      changed = true;
    }
    return changed;
  }

  /** Reads the audit lines appended since the last read (from the end of a long file on the first read). */
  private async readAudit(): Promise<boolean> {
    if (!this.options.auditFile) return false;
    const size = await stat(this.options.auditFile).then(
      (info) => info.size,
      (error: NodeJS.ErrnoException) => {
        if (error.code === 'ENOENT') return 0;
        throw error;
      },
    );
    let startedMidLine = false;
    if (this.auditOffset === undefined || size < this.auditOffset) {
      // Start one byte early: the first piece up to a newline is then a partial line, or empty when the start
      // fell exactly on a line boundary, and is dropped either way.
      this.auditOffset = Math.max(0, size - AUDIT_START_BYTES - 1);
      startedMidLine = this.auditOffset > 0;
    }
    if (size === this.auditOffset) return false;
    const handle = await open(this.options.auditFile, 'r');
    let text: string;
    try {
      const buffer = Buffer.alloc(size - this.auditOffset);
      const { bytesRead } = await handle.read(buffer, 0, buffer.length, this.auditOffset);
      text = buffer.subarray(0, bytesRead).toString('utf8');
    } finally {
      await handle.close();
    }
    // Only whole lines: a line still being appended is read next time.
    const end = text.lastIndexOf('\n') + 1;
    this.auditOffset += Buffer.byteLength(text.slice(0, end));
    const lines = text.slice(0, end).split('\n');
    if (startedMidLine) lines.shift();
    let changed = false;
    let bad: string | undefined;
    let skipped = 0;
    for (const line of lines) {
      if (line.trim() === '') continue;
      try {
        this.history.record(activityOfAudit(JSON.parse(line) as AuditEntry));
        changed = true;
      } catch {
        skipped += 1;
        bad = line.slice(0, 80);
      }
    }
    if (bad !== undefined) this.skippedAudit = { lines: this.skippedAudit.lines + skipped, last: bad };
    return changed;
  }
}
