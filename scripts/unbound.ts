// Starts and stops a private unbound for people working by hand: loopback only, stub-zoned to the dnsplane
// authority, left running in the background and stopped through its pid file.
//   node bin/run-ts.js scripts/unbound.ts start [--authority 127.0.0.1:8053] [--port 5353] [--zone example.test.] [--dir .dnsplane/unbound] [--no-cache]
//   node bin/run-ts.js scripts/unbound.ts stop|flush [--dir .dnsplane/unbound]
import path from 'node:path';
import { parseArgs } from 'node:util';
import { parsePort } from '../src/cli/numbers.js';
import { DEFAULT_PLANS_SPEC, openPlanStore } from '../src/plan/open-store.js';
import { parseServerAddress } from '../src/probe/query.js';
import { flushUnbound, startUnbound, stopUnboundByPidFile } from '../src/probe/unbound.js';
import { HELP_OPTION, parseScriptArgs, usageError } from './script-args.js';

const USAGE = `usage: scripts/unbound.sh start|stop|flush [options]
  start   start unbound in the background, stub-zoned to the authority (replaces one already running in --dir)
  stop    stop it (by the pid file in --dir)
  flush   forget cached answers, negative answers and dead-server memory for the zones
options:
  --authority IP:PORT  the dnsplane authority to stub to (default 127.0.0.1:8053)
  --port N             unbound's port on 127.0.0.1 (default 5353; 0 = any free port)
  --zone Z             a zone to stub (repeatable; default: the zone of the latest plan in --plans)
  --plans SPEC         plan store to take the zone from (default ${DEFAULT_PLANS_SPEC})
  --dir DIR            config, pid file, log and control socket (default .dnsplane/unbound)
  --no-cache           stub-no-cache: every query goes on to the authority`;

const { positionals, values } = parseScriptArgs('unbound', USAGE, () =>
  parseArgs({
    allowPositionals: true,
    options: {
      authority: { type: 'string', default: '127.0.0.1:8053' },
      port: { type: 'string', default: '5353' },
      zone: { type: 'string', multiple: true },
      plans: { type: 'string', default: DEFAULT_PLANS_SPEC },
      dir: { type: 'string', default: '.dnsplane/unbound' },
      'no-cache': { type: 'boolean', default: false },
      ...HELP_OPTION,
    },
  }),
);
const dir = path.resolve(values.dir);

async function zones(): Promise<string[]> {
  if (values.zone && values.zone.length > 0) return values.zone;
  const plan = await (await openPlanStore(values.plans)).latest();
  if (!plan) throw new Error(`give --zone, or write a plan to ${values.plans} first`);
  return [plan.zone];
}

async function main(): Promise<void> {
  switch (positionals[0]) {
    case 'start': {
      await stopUnboundByPidFile(dir);
      const resolver = await startUnbound({
        zones: await zones(),
        authority: parseServerAddress(values.authority, '--authority'),
        port: parsePort(values.port, '--port'),
        workDir: dir,
        noCache: values['no-cache'],
        detached: true,
      });
      console.log(
        `unbound pid ${resolver.pid} on ${resolver.address.host}:${resolver.address.port} (config ${resolver.configPath})`,
      );
      console.log(`try: dig @${resolver.address.host} -p ${resolver.address.port} NAME A`);
      return;
    }
    case 'stop':
      console.log((await stopUnboundByPidFile(dir)) ? 'unbound stopped' : 'unbound was not running');
      return;
    case 'flush':
      await flushUnbound(path.join(dir, 'unbound.conf'), await zones());
      console.log('unbound caches flushed');
      return;
    default:
      usageError(
        'unbound',
        positionals[0] === undefined ? 'start, stop or flush?' : `unknown command ${positionals[0]}`,
        USAGE,
      );
  }
}

main().catch((error: Error) => {
  console.error(`unbound: ${error.message}`);
  process.exit(1);
});
