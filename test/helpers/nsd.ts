// NSD serving a zone made of dnsplane record sets, as FIELD-NOTES runs it (foreground, one server process,
// no rate limiting, loopback): the mature authority the DNS face's answers are compared with.
import { spawn, type ChildProcess } from 'node:child_process';
import { execFile } from 'node:child_process';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import type { RecordSet } from '../../src/route53/recordset.js';
import { nsdConf } from '../../scripts/bench-lib/nsd-conf.js';
import { freeLoopbackPort } from '../../src/net/free-port.js';

const run = promisify(execFile);

export interface Nsd {
  port: number;
  stop(): Promise<void>;
}

/** A zone file of the record sets (weighted sets would be merged by NSD: give it plain ones). */
export function zoneFile(apex: string, sets: readonly RecordSet[]): string {
  const lines = [`$ORIGIN ${apex}`];
  for (const set of sets) for (const value of set.values) lines.push(`${set.name} ${set.ttl} IN ${set.type} ${value}`);
  return `${lines.join('\n')}\n`;
}

export async function startNsd(apex: string, sets: readonly RecordSet[]): Promise<Nsd> {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'dnsplane-nsd-'));
  await fs.writeFile(path.join(dir, 'zone'), zoneFile(apex, sets));
  for (let attempt = 0; ; attempt++) {
    const port = await freeLoopbackPort();
    await fs.writeFile(path.join(dir, 'nsd.conf'), nsdConf({ dir, port, apex, zonefile: path.join(dir, 'zone') }));
    const child: ChildProcess = spawn('nsd', ['-d', '-c', path.join(dir, 'nsd.conf')], { stdio: 'ignore' });
    let exited = false;
    const gone = new Promise<void>((resolve) => child.once('exit', () => ((exited = true), resolve())));
    const kill = async () => {
      if (!exited) child.kill('SIGTERM');
      await gone;
    };
    const stop = async () => {
      await kill();
      await fs.rm(dir, { recursive: true, force: true });
    };
    // Ready means answering the zone's SOA; a port taken meanwhile makes NSD exit: try another.
    for (let wait = 0; wait < 300 && !exited; wait++) {
      const out = await run('dig', [
        '@127.0.0.1',
        '-p',
        String(port),
        '+time=1',
        '+tries=1',
        '+short',
        apex,
        'SOA',
      ]).catch(() => null);
      if (out?.stdout.trim()) return { port, stop };
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    if (attempt >= 4) {
      await stop();
      throw new Error(`nsd did not start serving ${apex}`);
    }
    await kill();
  }
}
