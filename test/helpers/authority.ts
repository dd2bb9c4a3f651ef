// Starts a real authority (API + DNS face + journal) on ephemeral ports over a temp data dir, with an SDK
// client pointed at it. Tests of every part of dnsplane that talk to Route53 use this.
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { CreateHostedZoneCommand, type Route53Client } from '@aws-sdk/client-route-53';
import { createRoute53Client } from '../../src/route53/client.js';
import { sdkPort, type Route53Port } from '../../src/route53/port.js';
import { startAuthority, type Authority, type AuthorityOptions } from '../../src/authority/index.js';
import { createLogger } from '../../src/telemetry/logger.js';

export interface TestAuthority {
  authority: Authority;
  /** Signed with the authority's credentials; SDK retries off so tests see every error. */
  client: Route53Client;
  /** The same client as the Route53 port dnsplane's code takes. */
  port: Route53Port;
  dataDir: string;
  /** Creates a hosted zone and returns its bare id. */
  createZone(name?: string): Promise<string>;
  /** Stops the authority and removes the data dir (unless the caller gave its own). */
  close(): Promise<void>;
}

export async function startTestAuthority(options: Partial<AuthorityOptions> = {}): Promise<TestAuthority> {
  const ownDir = options.dataDir === undefined;
  const dataDir = options.dataDir ?? (await fs.mkdtemp(path.join(os.tmpdir(), 'dnsplane-authority-')));
  const authority = await startAuthority({
    apiPort: 0,
    dnsPort: 0,
    logger: createLogger('authority', 'silent'),
    ...options,
    dataDir,
  });
  const client = createRoute53Client({
    endpoint: authority.endpoint,
    credentials: authority.credentials,
    maxAttempts: 1,
  });
  let zones = 0;
  return {
    authority,
    client,
    port: sdkPort(client),
    dataDir,
    async createZone(name = 'dnsplane.test.') {
      zones += 1;
      const out = await client.send(
        new CreateHostedZoneCommand({ Name: name, CallerReference: `test-${process.pid}-${Date.now()}-${zones}` }),
      );
      return out.HostedZone!.Id!.replace('/hostedzone/', '');
    },
    async close() {
      client.destroy();
      await authority.close();
      if (ownDir) await fs.rm(dataDir, { recursive: true, force: true });
    },
  };
}

/**
 * Starts `dnsplane authority` as a real child process (for kill -9 tests) and resolves with its API endpoint from
 * the ready line. The child is pushed onto `children` for the caller to kill in its cleanup.
 */
export function spawnAuthorityProcess(
  dataDir: string,
  children: ChildProcess[],
  extraArgs: string[] = [],
): Promise<{ child: ChildProcess; endpoint: string }> {
  const child = spawn(
    process.execPath,
    ['bin/dnsplane.js', 'authority', '--api-port', '0', '--dns-port', '0', '--data', dataDir, ...extraArgs],
    {
      env: { ...process.env, DNSPLANE_LOG_LEVEL: 'silent' },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  children.push(child);
  return new Promise((resolve, reject) => {
    let out = '';
    let err = '';
    child.stderr.on('data', (chunk) => (err += chunk));
    child.stdout.on('data', (chunk) => {
      out += chunk;
      const match = /api=(http:\/\/\S+)/.exec(out);
      if (match) resolve({ child, endpoint: match[1] });
    });
    child.once('exit', (code) => reject(new Error(`authority exited with ${code} before it was ready: ${err}`)));
  });
}
