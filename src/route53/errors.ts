// How the enactor reacts to a failed Route53 call depends only on what kind of failure it was. Keeping the
// classification in one place means retries, fence handling and the self-check all agree on it.

export type ErrorClass =
  /** Worth trying again after a backoff: overload, a 5xx, or the network. */
  | 'retryable'
  /** Route53 refused the batch as a whole (a fence moved, a stale DELETE, a validation error). Re-read, never blindly retry. */
  | 'rejected'
  /** Anything else: wrong zone, bad credentials, malformed request. Retrying cannot help. */
  | 'fatal';

const RETRYABLE_CODES = new Set([
  'Throttling',
  'ThrottlingException',
  'PriorRequestNotComplete',
  'RequestLimitExceeded',
  'ServiceUnavailable',
  'InternalFailure',
  'TimeoutError',
  'RequestTimeout',
]);

const NETWORK_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EPIPE',
  'EAI_AGAIN',
  'ENOTFOUND',
  'EHOSTUNREACH',
  'ECONNABORTED',
  'UND_ERR_SOCKET',
]);

interface SdkLikeError {
  name?: string;
  code?: string;
  Code?: string;
  message?: string;
  cause?: unknown;
  $metadata?: { httpStatusCode?: number };
  $fault?: 'client' | 'server';
}

/** The Route53 error code (Throttling, InvalidChangeBatch, ...) or a Node network code, if any. */
export function errorCode(error: unknown): string | undefined {
  if (!error || typeof error !== 'object') return undefined;
  const e = error as SdkLikeError;
  return e.Code ?? e.code ?? (e.name && e.name !== 'Error' ? e.name : undefined);
}

export function classifyError(error: unknown): ErrorClass {
  if (!error || typeof error !== 'object') return 'fatal';
  const e = error as SdkLikeError;
  const code = errorCode(error);
  if (code === 'InvalidChangeBatch') return 'rejected';
  if (code && RETRYABLE_CODES.has(code)) return 'retryable';
  const status = e.$metadata?.httpStatusCode;
  if (status !== undefined && status >= 500) return 'retryable';
  if (isNetworkFailure(error)) return 'retryable';
  return 'fatal';
}

function isNetworkFailure(error: unknown, depth = 0): boolean {
  if (!error || typeof error !== 'object' || depth > 3) return false;
  const e = error as SdkLikeError;
  if (e.code && NETWORK_CODES.has(e.code)) return true;
  if (/socket hang up|fetch failed|network|ECONNRE(SET|FUSED)/i.test(e.message ?? '')) return true;
  return isNetworkFailure(e.cause, depth + 1);
}

/** A one-line description for logs and CLI messages: "Throttling: Rate exceeded". */
export function describeError(error: unknown): string {
  const code = errorCode(error);
  const message = error instanceof Error ? error.message : String(error);
  return code && !message.startsWith(code) ? `${code}: ${message}` : message;
}
