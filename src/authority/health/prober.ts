// The authority's health checker: it probes every endpoint health check the way one Route53 checker would
// (HTTP/HTTPS: a GET whose status is 2xx or 3xx, with the STR_MATCH types also finding SearchString in the first
// 5,120 bytes; TCP: a connection), every RequestInterval seconds, and flips a check's status only after
// FailureThreshold consecutive results the other way. The first result decides a new check's status; before it
// the status is unknown (HealthView's undefined). CALCULATED checks are healthy when at least HealthThreshold
// children are; Inverted flips a status; a Disabled check is always healthy, as in Route53.
//
// Only loopback and the CIDRs the operator allows (--health-check-allow) are ever contacted: a check of any
// other address fails with a reason saying so, so the authority never becomes a scanner of someone else's hosts.
import dns from 'node:dns/promises';
import http from 'node:http';
import https from 'node:https';
import net, { BlockList, isIP } from 'node:net';
import type { Logger } from '../../telemetry/logger.js';
import type { HealthCheckStore, StoredHealthCheck } from '../store/health-checks.js';
import type { HealthView } from './view.js';

export interface HealthProberOptions {
  /** CIDRs besides loopback whose addresses may be probed, e.g. 10.0.0.0/8 or fd00::/8. */
  allow?: readonly string[];
  /** Multiplies Route53's intervals (RequestInterval) and timeouts; tests run at 0.01 (30 s -> 300 ms). */
  scale?: number;
  logger?: Logger;
}

/** One checker's report, as GetHealthCheckStatus shows it. */
export interface StatusReport {
  status: string;
  checkedAt: string;
  ok: boolean;
}

interface ProbeState {
  version: number;
  timer?: NodeJS.Timeout;
  inFlight: boolean;
  /** The endpoint's status before Inverted; undefined until the first result. */
  healthy?: boolean;
  streak: number;
  last?: StatusReport;
  lastFailure?: StatusReport;
}

/** Route53's timeouts: an HTTP(S) endpoint must connect within 4 s and answer within 2 s more; TCP within 10 s. */
const HTTP_TIMEOUT_MS = 6000;
const TCP_TIMEOUT_MS = 10000;
const STR_MATCH_BYTES = 5120;
/** Scaled timeouts never go below this, so a loaded machine does not turn a live loopback endpoint into a failure. */
const MIN_TIMEOUT_MS = 1000;

/** Parses CIDRs into a BlockList (loopback included); throws an Error naming a malformed entry. */
export function probeAllowList(cidrs: readonly string[] = []): BlockList {
  const list = new BlockList();
  list.addSubnet('127.0.0.0', 8, 'ipv4');
  list.addSubnet('::1', 128, 'ipv6');
  for (const cidr of cidrs) {
    const [address, bits, extra] = cidr.split('/');
    const family = isIP(address ?? '');
    const prefix = Number(bits);
    if (
      extra !== undefined ||
      family === 0 ||
      !Number.isInteger(prefix) ||
      prefix < 0 ||
      prefix > (family === 4 ? 32 : 128)
    ) {
      throw new Error(`--health-check-allow: '${cidr}' is not a CIDR like 10.0.0.0/8 or fd00::/8`);
    }
    list.addSubnet(address, prefix, family === 4 ? 'ipv4' : 'ipv6');
  }
  return list;
}

export class HealthProber implements HealthView {
  private readonly states = new Map<string, ProbeState>();
  private readonly allow: BlockList;
  private readonly scale: number;
  private readonly unsubscribe: () => void;
  private closed = false;

  constructor(
    private readonly checks: HealthCheckStore,
    private readonly options: HealthProberOptions = {},
  ) {
    this.allow = probeAllowList(options.allow);
    this.scale = options.scale ?? 1;
    if (!(this.scale > 0)) throw new Error(`health check scale must be a positive number, got ${options.scale}`);
    this.unsubscribe = checks.onChange(() => this.sync());
    this.sync();
  }

  isHealthy(id: string): boolean | undefined {
    return this.evaluate(id, 0);
  }

  /** The latest report and the latest failing one (GetHealthCheckStatus, GetHealthCheckLastFailureReason). */
  reports(id: string): { last?: StatusReport; lastFailure?: StatusReport } {
    const check = this.checks.get(id);
    if (check.config.Type === 'CALCULATED') {
      const children = check.config.ChildHealthChecks ?? [];
      const healthy = children.filter((child) => this.isHealthy(child) === true).length;
      const ok = this.isHealthy(id) === true;
      return {
        last: {
          ok,
          checkedAt: new Date().toISOString(),
          status: `${ok ? 'Success' : 'Failure'}: ${healthy} of ${children.length} child health checks are healthy (threshold ${check.config.HealthThreshold})`,
        },
      };
    }
    const state = this.states.get(id);
    return {
      ...(state?.last ? { last: state.last } : {}),
      ...(state?.lastFailure ? { lastFailure: state.lastFailure } : {}),
    };
  }

  close(): void {
    this.closed = true;
    this.unsubscribe();
    for (const state of this.states.values()) clearInterval(state.timer);
    this.states.clear();
  }

  private evaluate(id: string, depth: number): boolean | undefined {
    if (!this.checks.has(id) || depth > 8) return undefined;
    const { config } = this.checks.get(id);
    if (config.Disabled) return true;
    let healthy: boolean | undefined;
    if (config.Type === 'CALCULATED') {
      const up = (config.ChildHealthChecks ?? []).filter((child) => this.evaluate(child, depth + 1) === true).length;
      healthy = up >= (config.HealthThreshold ?? 0);
    } else {
      healthy = this.states.get(id)?.healthy;
    }
    return healthy === undefined ? undefined : healthy !== (config.Inverted ?? false);
  }

  /** Starts probing new or changed checks and stops probing deleted ones. */
  private sync(): void {
    if (this.closed) return;
    const live = new Set<string>();
    for (const check of this.checks.list()) {
      live.add(check.id);
      if (check.config.Type === 'CALCULATED') continue;
      const state = this.states.get(check.id);
      if (state?.version === check.version) continue;
      if (state) clearInterval(state.timer);
      const fresh: ProbeState = { version: check.version, inFlight: false, streak: 0 };
      this.states.set(check.id, fresh);
      const interval = Math.max(50, (check.config.RequestInterval ?? 30) * 1000 * this.scale);
      fresh.timer = setInterval(() => void this.round(check.id, fresh), interval);
      fresh.timer.unref();
      void this.round(check.id, fresh);
    }
    for (const [id, state] of this.states) {
      if (!live.has(id) || this.checks.get(id).config.Type === 'CALCULATED') {
        clearInterval(state.timer);
        this.states.delete(id);
      }
    }
  }

  private async round(id: string, state: ProbeState): Promise<void> {
    if (state.inFlight || this.closed || this.states.get(id) !== state) return;
    state.inFlight = true;
    try {
      const check = this.checks.get(id);
      const report = await this.probe(check);
      if (this.states.get(id) !== state) return; // changed or deleted while probing
      this.record(state, report, check.config.FailureThreshold ?? 3);
    } catch (error) {
      this.options.logger?.warn({ err: error, healthCheckId: id }, 'health check round failed');
    } finally {
      state.inFlight = false;
    }
  }

  private record(state: ProbeState, report: StatusReport, threshold: number): void {
    state.last = report;
    if (!report.ok) state.lastFailure = report;
    if (state.healthy === undefined) {
      state.healthy = report.ok;
      state.streak = 0;
      return;
    }
    if (report.ok === state.healthy) {
      state.streak = 0;
      return;
    }
    state.streak += 1;
    if (state.streak >= threshold) {
      state.healthy = report.ok;
      state.streak = 0;
    }
  }

  private async probe(check: StoredHealthCheck): Promise<StatusReport> {
    const { config } = check;
    const report = (ok: boolean, status: string): StatusReport => ({
      ok,
      status: `${ok ? 'Success' : 'Failure'}: ${status}`,
      checkedAt: new Date().toISOString(),
    });
    let address = config.IPAddress;
    if (address === undefined) {
      try {
        address = (await dns.lookup(config.FullyQualifiedDomainName!)).address;
      } catch (error) {
        return report(
          false,
          `DNS resolution failed for ${config.FullyQualifiedDomainName}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`,
        );
      }
    }
    const family = isIP(address) === 6 ? 'ipv6' : 'ipv4';
    if (!this.allow.check(address, family)) {
      return report(
        false,
        `the dnsplane authority does not probe ${address}: it is neither loopback nor in --health-check-allow`,
      );
    }
    const timeout = (ms: number) => Math.max(MIN_TIMEOUT_MS, ms * this.scale);
    if (config.Type === 'TCP') return this.probeTcp(address, config.Port!, timeout(TCP_TIMEOUT_MS), report);
    return this.probeHttp(check, address, timeout(HTTP_TIMEOUT_MS), report);
  }

  private probeTcp(
    address: string,
    port: number,
    timeoutMs: number,
    report: (ok: boolean, status: string) => StatusReport,
  ): Promise<StatusReport> {
    return new Promise((resolve) => {
      const socket = net.connect({ host: address, port });
      const done = (result: StatusReport) => {
        socket.destroy();
        resolve(result);
      };
      socket.setTimeout(timeoutMs, () => done(report(false, `Connection timed out after ${timeoutMs} ms`)));
      socket.once('connect', () => done(report(true, 'TCP connection established')));
      socket.once('error', (error: NodeJS.ErrnoException) =>
        done(report(false, `${error.code ?? error.message} connecting to ${address}:${port}`)),
      );
    });
  }

  private probeHttp(
    check: StoredHealthCheck,
    address: string,
    timeoutMs: number,
    report: (ok: boolean, status: string) => StatusReport,
  ): Promise<StatusReport> {
    const { config } = check;
    const secure = config.Type.startsWith('HTTPS');
    const search = config.Type.endsWith('STR_MATCH') ? config.SearchString : undefined;
    const host = config.FullyQualifiedDomainName ?? address;
    return new Promise((resolve) => {
      let settled = false;
      const finish = (result: StatusReport) => {
        if (settled) return;
        settled = true;
        request.destroy();
        resolve(result);
      };
      const request = (secure ? https : http).request(
        {
          host: address,
          port: config.Port,
          path: config.ResourcePath ?? '/',
          method: 'GET',
          headers: { host, 'user-agent': 'Amazon-Route53-Health-Check-Service (dnsplane authority)' },
          timeout: timeoutMs,
          // Route53's checkers do not validate certificates; SNI only when asked for and there is a name.
          ...(secure
            ? {
                rejectUnauthorized: false,
                ...(config.EnableSNI && config.FullyQualifiedDomainName
                  ? { servername: config.FullyQualifiedDomainName }
                  : {}),
              }
            : {}),
        },
        (response) => {
          const code = response.statusCode ?? 0;
          const statusText = `HTTP Status Code ${code}, ${response.statusMessage ?? ''}`.trim();
          const ok = code >= 200 && code < 400;
          if (!ok || search === undefined) {
            response.resume();
            finish(report(ok, statusText));
            return;
          }
          let body = '';
          response.setEncoding('utf8');
          response.on('data', (chunk: string) => {
            body += chunk;
            if (body.length >= STR_MATCH_BYTES)
              finish(
                report(
                  body.slice(0, STR_MATCH_BYTES).includes(search),
                  `${statusText}; search string ${body.includes(search) ? 'found' : 'not found'}`,
                ),
              );
          });
          response.on('end', () =>
            finish(
              report(
                body.includes(search),
                `${statusText}; search string ${body.includes(search) ? 'found' : 'not found'} in the response body`,
              ),
            ),
          );
          response.on('error', (error) => finish(report(false, error.message)));
        },
      );
      request.on('timeout', () => finish(report(false, `the endpoint did not respond within ${timeoutMs} ms`)));
      request.on('error', (error: NodeJS.ErrnoException) =>
        finish(report(false, `${error.code ?? error.message} connecting to ${address}:${config.Port}`)),
      );
      request.end();
    });
  }
}
