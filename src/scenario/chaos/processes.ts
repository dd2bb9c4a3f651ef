// The chaos deployment's processes: each component is a real child process with its own log, started from
// an argv (a function, so a restart can change it: the throttled authority), killed with SIGKILL, stopped
// and continued with SIGSTOP/SIGCONT. One that exits on its own (an enactor whose start-up check met a dead
// authority) is started again after a second, unless the schedule holds it down.
import { spawn, type ChildProcess } from 'node:child_process';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

export interface Component {
  name: string;
  argv: () => string[];
  /** A log line that says it is ready (absent: ready once spawned). */
  ready?: RegExp;
  child?: ChildProcess;
  /** Set while the schedule holds it down: it is not restarted then. */
  held: boolean;
}

export class Processes {
  readonly components = new Map<string, Component>();
  private stopping = false;

  constructor(private readonly logs: string) {}

  add(component: Omit<Component, 'held'>): Component {
    const added = { ...component, held: false };
    this.components.set(added.name, added);
    return added;
  }

  get(name: string): Component {
    const component = this.components.get(name);
    if (!component) throw new Error(`no component ${name}`);
    return component;
  }

  /** Starts it (again) and waits for its ready line; resolves with when it became ready (performance.now()). */
  async start(component: Component): Promise<number> {
    component.held = false;
    const [command, ...args] = component.argv();
    const logFile = path.join(this.logs, `${component.name}.log`);
    const logged = await fs.stat(logFile).then(
      (stat) => stat.size,
      () => 0,
    );
    const log = await fs.open(logFile, 'a');
    const child = spawn(command, args, {
      stdio: ['ignore', log.fd, log.fd],
      env: { ...process.env, DNSPLANE_LOG_LEVEL: 'info', DNSPLANE_CONFIG: '' },
    });
    await log.close();
    component.child = child;
    child.once('exit', () => {
      if (component.child !== child || this.stopping || component.held) return;
      setTimeout(() => void (!this.stopping && !component.held && this.start(component).catch(() => undefined)), 1000);
    });
    if (component.ready) await waitForLog(logFile, logged, component.ready, 30_000);
    return performance.now();
  }

  /** kill -9, and hold it down until started again. */
  async kill(component: Component): Promise<void> {
    component.held = true;
    const child = component.child;
    if (child && child.exitCode === null && child.signalCode === null) {
      const gone = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGKILL');
      await gone;
    }
  }

  /** SIGSTOP for ms, then SIGCONT: a process that hangs (alive, holding its sockets, doing nothing). */
  async freeze(component: Component, ms: number): Promise<void> {
    component.child?.kill('SIGSTOP');
    await sleep(ms);
    component.child?.kill('SIGCONT');
  }

  async stopAll(): Promise<void> {
    this.stopping = true;
    for (const component of this.components.values()) await this.kill(component);
  }
}

/** Waits until the log, past its first `from` bytes (earlier runs of the component), matches `ready`. */
async function waitForLog(file: string, from: number, ready: RegExp, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const text = await fs.readFile(file).catch(() => Buffer.alloc(0));
    if (ready.test(text.subarray(from).toString('utf8'))) return;
    await sleep(50);
  }
  throw new Error(`${file} did not say ${ready} within ${timeoutMs} ms`);
}
