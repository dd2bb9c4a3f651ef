// Turns a --plans spec into a PlanStore: `file:DIR` or a plain path for the file store, `s3://bucket/prefix`
// for the S3 store. The S3 store is loaded lazily so that commands using files never load the S3 SDK, which is
// an optional peer dependency (package.json): without it, an s3:// spec says what to install.
import { readFileSync } from 'node:fs';
import { FilePlanStore } from './file-store.js';
import type { PlanStore } from './store.js';

export const DEFAULT_PLANS_SPEC = 'file:./.dnsplane/plans';

const S3_CLIENT = '@aws-sdk/client-s3';

export async function openPlanStore(spec: string): Promise<PlanStore> {
  if (spec.startsWith('s3://')) return openS3(spec);
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(spec))
    throw new Error(`unsupported plan store ${spec}; use file:DIR, a directory path or s3://bucket/prefix`);
  const dir = spec.startsWith('file:') ? spec.slice('file:'.length) : spec;
  if (dir === '') throw new Error(`plan store spec ${spec} names no directory`);
  return new FilePlanStore(dir);
}

async function openS3(spec: string): Promise<PlanStore> {
  let s3Store: typeof import('./s3-store.js');
  try {
    s3Store = await import('./s3-store.js');
  } catch (error) {
    if (!isMissing(error, S3_CLIENT)) throw error;
    throw new Error(
      `plan store ${spec} needs the AWS SDK's S3 client, which is not installed (an optional peer dependency of ` +
        `dnsplane): run npm install ${S3_CLIENT}@${peerVersion()} where dnsplane is installed (with -g for a ` +
        `global dnsplane)`,
      { cause: error },
    );
  }
  return s3Store.openS3PlanStore(spec);
}

function isMissing(error: unknown, pkg: string): boolean {
  const { code, message } = (error ?? {}) as { code?: unknown; message?: unknown };
  return code === 'ERR_MODULE_NOT_FOUND' && typeof message === 'string' && message.includes(`'${pkg}'`);
}

/** The S3 client's version range from dnsplane's package.json (two levels up from src/plan and dist/plan). */
function peerVersion(): string {
  try {
    const manifest = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as {
      peerDependencies?: Record<string, string>;
    };
    return manifest.peerDependencies?.[S3_CLIENT] ?? 'latest';
  } catch {
    return 'latest';
  }
}
