// What a person at a terminal sees from `enact --once` when the guard refuses: the refusal once, in the pass's
// summary, not again as an ERROR log line. Logs for machines (stderr not a terminal, or --log-format json) keep
// the line. The terminal is real: the binary runs under script(1), which gives it a pseudo-terminal.
import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import { expect, it } from 'vitest';
import { CLI_ENV, cliRig, host } from '../enactor/harness.js';
import { describeWithTools } from '../helpers/tools.js';

const run = promisify(execFile);
const bin = path.resolve(import.meta.dirname, '../../bin/dnsplane.js');
// Each case spawns the CLI (tsx and the AWS SDK load each time): seconds apiece on two busy cores.
const CLI_TIMEOUT_MS = 120_000;
const quote = (word: string) => `'${word.replace(/'/g, `'\\''`)}'`;

/** Runs the binary with stdout and stderr on one pseudo-terminal; its exit code and everything it printed. */
async function onTerminal(args: string[], cwd: string): Promise<{ code: number; output: string }> {
  const command = [process.execPath, bin, ...args].map(quote).join(' ');
  // The user's defaults: no format or level chosen, no config file.
  const env: NodeJS.ProcessEnv = { ...process.env, ...CLI_ENV, DNSPLANE_CONFIG: '' };
  delete env.DNSPLANE_LOG_FORMAT;
  delete env.DNSPLANE_LOG_LEVEL;
  try {
    const { stdout } = await run('script', ['--quiet', '--return', '--command', command, '/dev/null'], { cwd, env });
    return { code: 0, output: stdout };
  } catch (error) {
    const failed = error as { code?: number; stdout?: string };
    return { code: typeof failed.code === 'number' ? failed.code : 1, output: failed.stdout ?? '' };
  }
}

describeWithTools(['script'], 'a guard refusal on a terminal', () => {
  const suite = cliRig();

  it(
    'is said once, in the summary; JSON logs keep the log line',
    async () => {
      const { rig, common, cli } = suite;
      await rig.writePlan(1, { api: [10, 20] });
      // Two addresses behind api: a floor of 3 refuses it.
      const refuse = ['enact', '--id', 'e1', '--once', ...common, '--min-capacity', '3'];
      const human = await onTerminal(refuse, rig.dir);
      expect(human.code, human.output).toBe(3);
      const mentions = human.output.split(/\r?\n/).filter((line) => line.includes(`${host('api')} A`));
      expect(mentions, human.output).toHaveLength(1);
      expect(mentions[0]).toMatch(/^ {2}REFUSED +api\./);

      // Not a terminal: JSON lines, the refusal among them (at warn, the default of --once).
      const machine = await cli(...refuse, '--log-level', 'warn');
      expect(machine.code).toBe(3);
      expect(machine.stdout).toMatch(/REFUSED +api\./);
      const logged = machine.stderr
        .split('\n')
        .filter(Boolean)
        .map((line) => JSON.parse(line) as { level: number; msg: string; endpoint?: string });
      expect(logged).toContainEqual(
        expect.objectContaining({ level: 50, endpoint: `${host('api')} A`, msg: expect.stringMatching(/^refused: /) }),
      );
    },
    CLI_TIMEOUT_MS,
  );
});
