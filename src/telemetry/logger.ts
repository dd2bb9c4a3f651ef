// Structured logs for every long-running part of dnsplane, on stderr so stdout stays free for command output.
// JSON lines for machines (and whenever stderr is not a terminal: files, pipes, `dnsplane up`'s logs), readable
// text on a terminal. DNSPLANE_LOG_FORMAT=text|json and DNSPLANE_LOG_LEVEL (silent for tests, the demo's own
// narration) choose; the commands' --log-format and --log-level flags set those.
import { pino, type Logger } from 'pino';

export type { Logger };

export const LOG_LEVELS = ['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent'] as const;
export const LOG_FORMATS = ['text', 'json'] as const;

/** Text for people (the default on a terminal), JSON lines for machines (the default anywhere else). */
export function logFormat(): (typeof LOG_FORMATS)[number] {
  const chosen = process.env.DNSPLANE_LOG_FORMAT;
  if (chosen === 'text' || chosen === 'json') return chosen;
  return process.stderr.isTTY ? 'text' : 'json';
}

/**
 * `omit`: lines not to write, by level and fields; for a person reading text logs beside a command's own report
 * that already says the same (JSON logs are for machines, which read no report: pass it only for text).
 */
export function createLogger(
  component: string,
  level = process.env.DNSPLANE_LOG_LEVEL ?? 'info',
  omit?: (level: string, fields: Record<string, unknown>) => boolean,
): Logger {
  const destination = logFormat() === 'text' ? textDestination() : pino.destination(2);
  const hooks = omit && {
    logMethod(this: Logger, args: Parameters<Logger['info']>, write: (...args: unknown[]) => void, level: number) {
      const [fields] = args;
      if (fields && typeof fields === 'object' && omit(this.levels.labels[level], fields as Record<string, unknown>))
        return;
      write.apply(this, args);
    },
  };
  return pino({ name: `dnsplane.${component}`, level, ...(hooks ? { hooks } : {}) }, destination);
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
