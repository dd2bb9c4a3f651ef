// Turns a --plans spec into a PlanStore: `file:DIR` or a plain path for the file store, `s3://bucket/prefix`
// for the S3 store. The S3 store is loaded lazily so that commands using files never load the S3 SDK.
import { FilePlanStore } from './file-store.js';
import type { PlanStore } from './store.js';

export const DEFAULT_PLANS_SPEC = 'file:./.dnsplane/plans';

export async function openPlanStore(spec: string): Promise<PlanStore> {
  if (spec.startsWith('s3://')) return openS3(spec);
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(spec)) throw new Error(`unsupported plan store ${spec}; use file:DIR, a directory path or s3://bucket/prefix`);
  const dir = spec.startsWith('file:') ? spec.slice('file:'.length) : spec;
  if (dir === '') throw new Error(`plan store spec ${spec} names no directory`);
  return new FilePlanStore(dir);
}

async function openS3(spec: string): Promise<PlanStore> {
  // The specifier is a variable so that type-checking does not depend on the S3 store existing yet.
  const specifier = './s3-store.js';
  let module: { openS3PlanStore?: (spec: string) => Promise<PlanStore> | PlanStore };
  try {
    module = await import(specifier);
  } catch {
    throw new Error(`s3 plan store not available (cannot load src/plan/s3-store.ts) for ${spec}`);
  }
  if (typeof module.openS3PlanStore !== 'function') throw new Error(`s3 plan store not available: s3-store.ts exports no openS3PlanStore`);
  return module.openS3PlanStore(spec);
}
