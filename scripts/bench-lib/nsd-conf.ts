// NSD's configuration as FIELD-NOTES runs it beside the authority: one server process, no rate limiting, no
// remote control, loopback only, every file in one directory. Shared by the DNS benchmark and the tests that
// compare the DNS face with NSD, so that both measure and compare against the same NSD.
import path from 'node:path';

export function nsdConf(options: { dir: string; port: number; apex: string; zonefile: string }): string {
  const { dir, port, apex, zonefile } = options;
  const lines = [
    'server:',
    `  ip-address: 127.0.0.1@${port}`,
    '  server-count: 1',
    '  username: ""',
    '  chroot: ""',
    '  database: ""',
    `  zonesdir: "${dir}"`,
    `  zonelistfile: "${path.join(dir, 'zone.list')}"`,
    `  xfrdfile: "${path.join(dir, 'xfrd.state')}"`,
    `  pidfile: "${path.join(dir, 'nsd.pid')}"`,
    `  logfile: "${path.join(dir, 'nsd.log')}"`,
    '  rrl-ratelimit: 0',
    '  verbosity: 0',
    'remote-control:',
    '  control-enable: no',
    'zone:',
    `  name: "${apex}"`,
    `  zonefile: "${zonefile}"`,
  ];
  return `${lines.join('\n')}\n`;
}
