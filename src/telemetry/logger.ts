// Structured logs for every long-running part of dnsplane, on stderr so stdout stays free for command output.
// JSON lines for machines (and whenever stderr is not a terminal: files, pipes, `dnsplane up`'s logs), readable
// text on a terminal. DNSPLANE_LOG_FORMAT=text|json and DNSPLANE_LOG_LEVEL (silent for tests, the demo's own
// narration) choose; the commands' --log-format and --log-level flags set those.
import { pino, type Logger } from 'pino';

export type { Logger };

export const LOG_LEVELS = ['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent'] as const;
export const LOG_FORMATS = ['text', 'json'] as const;

export function createLogger(component: string, level = process.env.DNSPLANE_LOG_LEVEL ?? 'info'): Logger {
  const format = process.env.DNSPLANE_LOG_FORMAT ?? (process.stderr.isTTY ? 'text' : 'json');
  const destination = format === 'text' ? textDestination() : pino.destination(2);
  return pino({ name: `dnsplane.${component}`, level }, destination);
}

const LEVEL_NAMES: Record<number, string> = {
  10: 'TRACE',
  20: 'DEBUG',
  30: 'INFO',
  40: 'WARN',
  50: 'ERROR',
  60: 'FATAL',
};
const PINO_FIELDS = new Set(['level', 'time', 'pid', 'hostname', 'name', 'msg']);

/** "12:00:01 WARN  enactor: message key=value", from pino's JSON line. */
export function formatLogLine(line: string): string {
  let entry: Record<string, unknown>;
  try {
    entry = JSON.parse(line) as Record<string, unknown>;
  } catch {
    return line;
  }
  const time = new Date(typeof entry.time === 'number' ? entry.time : Date.now()).toISOString().slice(11, 19);
  const level = (LEVEL_NAMES[entry.level as number] ?? String(entry.level)).padEnd(5);
  const component = (typeof entry.name === 'string' ? entry.name : 'dnsplane').replace(/^dnsplane\./, '');
  const fields = Object.entries(entry)
    .filter(([key]) => !PINO_FIELDS.has(key))
    .map(
      ([key, value]) =>
        `${key}=${typeof value === 'string' ? value : key === 'err' && value && typeof value === 'object' && 'message' in value ? String(value.message) : JSON.stringify(value)}`,
    );
  return `${time} ${level} ${component}: ${typeof entry.msg === 'string' ? entry.msg : ''}${fields.length > 0 ? `  ${fields.join(' ')}` : ''}\n`;
}

function textDestination(): { write(line: string): void } {
  return { write: (line: string) => void process.stderr.write(formatLogLine(line)) };
}
