// The enactment hint: one small object beside the plans (enacting.json, on disk or S3) where an enactor says
// "I am enacting generation G (content digest D)" and later "G is enacted" or "released". Other enactors read it
// before they read any fence, and wait or skip instead of sending copies of the same batches, which the shard
// fences would reject anyway (each rejected copy costs a Route53 request out of the account's 10 per second).
// It is a HINT: nothing about safety depends on it. A missing, stale, lost or lying hint only costs a copy (the
// fence rejects it) or waits for the enactor's next drift sweep (which reads the fences, never the hint).
import { z } from 'zod';
import { strictObject } from '../config/strict.js';

export const HINT_OBJECT = 'enacting.json';

export const EnactmentHintSchema = strictObject({
  generation: z.number().int().positive(),
  /** 12 hex digits over the plan's 64 shard digests: two plans stored under one generation differ here. */
  digest: z.string().regex(/^[0-9a-f]{12}$/, 'digest must be 12 hex digits'),
  enactor: z.string().min(1),
  /** enacting: sending now (a claim); enacted: every shard fence is at G with D; released: stopped without that. */
  state: z.enum(['enacting', 'enacted', 'released']),
  /** Counts the holder's writes: a claim whose beat stops moving is stale (no clock is compared across hosts). */
  beat: z.number().int().nonnegative(),
  at: z.string().datetime(),
});

export type EnactmentHint = z.infer<typeof EnactmentHintSchema>;

export function parseHint(input: unknown, source: string): EnactmentHint {
  const result = EnactmentHintSchema.safeParse(input);
  if (!result.success) throw new Error(`${source} is not a valid enactment hint:\n${z.prettifyError(result.error)}`);
  return result.data;
}
