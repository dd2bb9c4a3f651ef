// Numeric command-line options, parsed strictly: a bad value is an error naming the option and its range.
// Kept apart from the heavier CLI helpers so that any command can use it without loading the AWS SDK.
import { UsageError } from './exit-codes.js';

export function parseNumber(
  text: string,
  option: string,
  range: { min?: number; max?: number; integer?: boolean } = {},
): number {
  const value = Number(text);
  const ok =
    text.trim() !== '' &&
    Number.isFinite(value) &&
    (!range.integer || Number.isInteger(value)) &&
    value >= (range.min ?? -Infinity) &&
    value <= (range.max ?? Infinity);
  if (!ok) {
    const bounds = [range.min !== undefined ? `>= ${range.min}` : '', range.max !== undefined ? `<= ${range.max}` : '']
      .filter(Boolean)
      .join(' and ');
    throw new UsageError(
      `${option} must be ${range.integer ? 'an integer' : 'a number'}${bounds ? ` ${bounds}` : ''}, got ${JSON.stringify(text)}`,
    );
  }
  return value;
}

/** A TCP/UDP port to listen on; 0 lets the system pick a free one. */
export function parsePort(text: string, option: string): number {
  return parseNumber(text, option, { min: 0, max: 65535, integer: true });
}
