// The Route53 API's HTTP face (node:http). Each request passes, in order: the body cap, the optional rate
// limit, SigV4 verification, then the operation. Every failure leaves in Route53's XML error shape.
import { randomUUID } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { TokenBucket } from '../../route53/throttle.js';
import type { Logger } from '../../telemetry/logger.js';
import { counter } from '../../telemetry/metrics.js';
import { listening } from '../../net/listening.js';
import { Route53Error } from '../store/errors.js';
import { route, type RouteContext } from './routes.js';
import { ROUTE53_SERVICE, verifySignature, type Credentials } from './sigv4.js';
import { errorXml } from './xml.js';

/** Route53's largest legal request is about 32k value characters plus XML; 1 MiB leaves ample room. */
export const MAX_BODY_BYTES = 1024 * 1024;

export interface ApiServerOptions extends RouteContext {
  host: string;
  port: number;
  credentials: Credentials;
  /** The region signatures must be scoped to (Route53's is us-east-1). */
  region: string;
  /** Requests per second; the bucket holds five seconds' worth, like Route53's 10/s with 50. */
  rateLimit?: number;
  logger?: Logger;
}

export interface ApiServer {
  readonly port: number;
  close(): Promise<void>;
}

const requests = counter('dnsplane_authority_api_requests_total', 'Route53 API requests by result code', ['code']);

class BodyTooLarge extends Route53Error {
  constructor() {
    super('InvalidInput', `Request body exceeds ${MAX_BODY_BYTES} bytes`, 413);
  }
}

function readBody(request: http.IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const declared = Number(request.headers['content-length'] ?? 0);
    if (declared > MAX_BODY_BYTES) {
      reject(new BodyTooLarge());
      return;
    }
    const chunks: Buffer[] = [];
    let size = 0;
    request.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_BODY_BYTES) {
        reject(new BodyTooLarge());
        request.removeAllListeners('data');
        request.resume();
        return;
      }
      chunks.push(chunk);
    });
    request.on('end', () => resolve(Buffer.concat(chunks)));
    request.on('error', reject);
  });
}

/** Starts listening; rejects with a clear message when the port is taken. */
export async function startApiServer(options: ApiServerOptions): Promise<ApiServer> {
  // Route53's shape: the bucket holds five seconds' worth (10/s from 50). The clients' own limiter uses the same
  // TokenBucket class.
  const rate = options.rateLimit;
  if (rate && !(rate > 0)) throw new Error(`rate limit must be a positive number of requests per second, got ${rate}`);
  const bucket = rate ? new TokenBucket(5 * rate, rate, () => performance.now()) : undefined;

  const handle = async (request: http.IncomingMessage, response: http.ServerResponse): Promise<void> => {
    const requestId = randomUUID();
    const send = (status: number, body: string, headers: Record<string, string> = {}) => {
      response.writeHead(status, { 'content-type': 'text/xml', 'x-amzn-requestid': requestId, ...headers });
      response.end(body);
    };
    try {
      if (bucket && !bucket.tryTake()) throw new Route53Error('Throttling', 'Rate exceeded', 400);
      const body = await readBody(request);
      const url = new URL(request.url ?? '/', 'http://localhost');
      await verifySignature(
        {
          method: request.method ?? 'GET',
          url: request.url ?? '/',
          headers: request.headers,
          rawHeaders: request.rawHeaders,
          body,
        },
        options.credentials,
        { region: options.region, service: ROUTE53_SERVICE },
      );
      const result = route(
        { method: request.method ?? 'GET', path: url.pathname, query: url.searchParams, body },
        options,
      );
      requests.inc({ code: 'OK' });
      send(result.status, result.body, result.headers);
    } catch (error) {
      const known = error instanceof Route53Error ? error : undefined;
      if (!known) options.logger?.error({ err: error, url: request.url }, 'route53 api request failed');
      const failure = known ?? new Route53Error('InternalFailure', 'An internal error occurred', 500);
      requests.inc({ code: failure.code });
      // A rejected oversized body must not keep the connection reading the rest of it.
      send(
        failure.status,
        errorXml(failure, requestId),
        failure instanceof BodyTooLarge ? { connection: 'close' } : {},
      );
    }
  };

  const server = http.createServer((request, response) => {
    void handle(request, response);
  });
  try {
    await listening(server, (done) => server.listen(options.port, options.host, done));
  } catch (error) {
    const { code, message } = error as NodeJS.ErrnoException;
    throw new Error(
      code === 'EADDRINUSE'
        ? `API port ${options.port} on ${options.host} is already in use`
        : `cannot listen on ${options.host}:${options.port} for the API: ${message}`,
      { cause: error },
    );
  }
  // Once listening, a server error (a failed accept) is logged: unhandled, it would end the authority.
  server.on('error', (error) => options.logger?.warn({ err: error }, 'route53 api server error'));
  const port = (server.address() as AddressInfo).port;
  return {
    port,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((error) => (error ? reject(error) : resolve()));
        server.closeAllConnections();
      }),
  };
}
