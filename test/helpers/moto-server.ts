// moto_server as a child process: LocalStack community's Route53 (and S3) engine, used to prove that dnsplane
// runs unmodified against a third-party implementation and to show where that implementation differs.
// moto binds port 0 itself and prints the port it got, so there is no race for a "free" port.
import { spawn, type ChildProcess } from 'node:child_process';
import { setTimeout as sleep } from 'node:timers/promises';

export interface MotoServer {
  /** http://127.0.0.1:PORT, for --endpoint-url or AWS_ENDPOINT_URL. */
  readonly endpoint: string;
  readonly port: number;
  /** Forgets every zone, bucket and object (POST /moto-api/reset). */
  reset(): Promise<void>;
  stop(): Promise<void>;
}

const STARTUP_TIMEOUT_MS = 15_000;

export async function startMoto(): Promise<MotoServer> {
  const child = spawn('moto_server', ['-H', '127.0.0.1', '-p', '0'], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, PYTHONUNBUFFERED: '1' },
  });
  const port = await readPort(child);
  const endpoint = `http://127.0.0.1:${port}`;
  await waitUntilAnswering(endpoint);
  return {
    endpoint,
    port,
    async reset() {
      const response = await fetch(`${endpoint}/moto-api/reset`, { method: 'POST' });
      if (!response.ok) throw new Error(`moto reset answered HTTP ${response.status}`);
    },
    stop: () => stopChild(child),
  };
}

/** Werkzeug logs "Running on http://127.0.0.1:PORT" to stderr; every later line is drained and dropped. */
function readPort(child: ChildProcess): Promise<number> {
  return new Promise((resolve, reject) => {
    let output = '';
    let settled = false;
    const settle = (outcome: () => void) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      outcome();
    };
    const fail = (error: Error) =>
      settle(() => {
        child.kill('SIGKILL');
        reject(error);
      });
    const timer = setTimeout(
      () => fail(new Error(`moto_server printed no port within ${STARTUP_TIMEOUT_MS} ms:\n${output}`)),
      STARTUP_TIMEOUT_MS,
    );
    // Keep reading after the port is known: an undrained pipe would eventually block moto's request log.
    const onData = (chunk: Buffer) => {
      if (settled) return;
      output += chunk.toString();
      const match = /Running on http:\/\/127\.0\.0\.1:(\d+)/.exec(output);
      if (match) settle(() => resolve(Number(match[1])));
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', onData);
    child.once('error', (error) => fail(new Error(`cannot start moto_server: ${error.message}`)));
    child.once('exit', (code) => fail(new Error(`moto_server exited with code ${code} before listening:\n${output}`)));
  });
}

async function waitUntilAnswering(endpoint: string): Promise<void> {
  const deadline = Date.now() + STARTUP_TIMEOUT_MS;
  for (;;) {
    try {
      const response = await fetch(`${endpoint}/moto-api/data.json`);
      if (response.ok) return;
    } catch {
      // Not accepting connections yet.
    }
    if (Date.now() > deadline)
      throw new Error(`moto_server at ${endpoint} did not answer within ${STARTUP_TIMEOUT_MS} ms`);
    await sleep(50);
  }
}

/** Stops a child process: SIGTERM, then SIGKILL after 3 s. */
export function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const killer = setTimeout(() => child.kill('SIGKILL'), 3_000);
    child.once('exit', () => {
      clearTimeout(killer);
      resolve();
    });
    child.kill('SIGTERM');
  });
}
