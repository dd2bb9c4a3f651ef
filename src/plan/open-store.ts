// Turns a --plans spec into a PlanStore: `file:DIR` or a plain path for the file store, `s3://bucket/prefix`
// for the S3 store. The S3 store is loaded lazily so that commands using files never load the S3 SDK.
import { FilePlanStore } from './file-store.js';
import type { PlanStore } from './store.js';

export const DEFAULT_PLANS_SPEC = 'file:./.dnsplane/plans';

export async function openPlanStore(spec: string): Promise<PlanStore> {
  if (spec.startsWith('s3://')) return openS3(spec);
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(spec))
    throw new Error(`unsupported plan store ${spec}; use file:DIR, a directory path or s3://bucket/prefix`);
  const dir = spec.startsWith('file:') ? spec.slice('file:'.length) : spec;
  if (dir === '') throw new Error(`plan store spec ${spec} names no directory`);
  return new FilePlanStore(dir);
}

async function openS3(spec: string): Promise<PlanStore> {
  const { openS3PlanStore } = await import('./s3-store.js');
  return openS3PlanStore(spec);
}
