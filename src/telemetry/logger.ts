// Structured logs for every long-running part of dnsplane. JSON lines to stderr, so stdout stays free for
// command output; DNSPLANE_LOG_LEVEL=silent quiets them (tests, the demo's own narration).
import { pino, type Logger } from 'pino';

export type { Logger };

export function createLogger(component: string, level = process.env.DNSPLANE_LOG_LEVEL ?? 'info'): Logger {
  return pino({ name: `dnsplane.${component}`, level }, pino.destination(2));
}
