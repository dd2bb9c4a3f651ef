// Runs moto's own Route53 test suite (getmoto/moto, tests/test_route53) against the dnsplane authority, outside
// CI: moto's tests in server mode (TEST_SERVER_MODE=true) send every request to TEST_SERVER_MODE_ENDPOINT and
// POST /moto-api/reset before and after each test. This script answers that endpoint with a small router that
// gives each test a fresh authority (new data directory) and forwards everything else to it unchanged.
//
//   node bin/run-ts.js scripts/moto-suite.ts --tests DIR [--python PY] [-- PYTEST_ARGS...]
//
// DIR holds moto's `tests/` package (tests/__init__.py, conftest.py, test_route53/, test_cloudformation/fixtures)
// from a checkout matching the installed moto; PY is the python whose site-packages hold moto, boto3 and pytest
// (default python3). --serve only runs the router and prints its endpoint. The tests sign with FOOBARKEY /
// FOOBARSECRET, so the authority is started with those credentials. The only non-Route53 call answered here is
// STS GetCallerIdentity (moto's account_id fixture), with moto's default account.
//
// boto3 signs a Route53 request for us-east-1 when it talks to Route53's own endpoint, whatever the client's
// region; with an endpoint_url it signs for the client's region instead (us-east-2 in some tests), which the
// authority refuses as AWS would. The router signs such requests again for us-east-1, as boto3 would have.
import { spawn } from 'node:child_process';
import fs from 'node:fs/promises';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import type { AddressInfo } from 'node:net';
import { computeSignature, ROUTE53_SERVICE } from '../src/authority/api/sigv4.js';
import { startAuthority, type Authority } from '../src/authority/index.js';
import { createLogger } from '../src/telemetry/logger.js';
import { HELP_OPTION, parseScriptArgs, usageError } from './script-args.js';

const USAGE = 'usage: node bin/run-ts.js scripts/moto-suite.ts --tests DIR [--python PY] [--serve] [-- PYTEST_ARGS...]';
const { values, positionals } = parseScriptArgs('moto-suite', USAGE, () =>
  parseArgs({
    options: {
      ...HELP_OPTION,
      tests: { type: 'string' },
      python: { type: 'string', default: 'python3' },
      serve: { type: 'boolean', default: false },
    },
    allowPositionals: true,
  }),
);
if (!values.tests && !values.serve)
  usageError('moto-suite', "--tests is required (a directory holding moto's tests/ package)", USAGE);

const CREDENTIALS = { accessKeyId: 'FOOBARKEY', secretAccessKey: 'FOOBARSECRET' };
const ACCOUNT = '123456789012';

/** The authority the current test talks to; replaced whole on every reset. */
let current: Promise<{ authority: Authority; dataDir: string }> | undefined;
let resets = 0;

async function freshAuthority(): Promise<{ authority: Authority; dataDir: string }> {
  const previous = current ? await current : undefined;
  if (previous) {
    await previous.authority.close();
    await fs.rm(previous.dataDir, { recursive: true, force: true });
  }
  const dataDir = await fs.mkdtemp(path.join(os.tmpdir(), 'dnsplane-moto-suite-'));
  const authority = await startAuthority({
    apiPort: 0,
    dnsPort: 0,
    dataDir,
    credentials: CREDENTIALS,
    region: 'us-east-1',
    healthCheckScale: 0.01,
    logger: createLogger('authority', 'silent'),
  });
  return { authority, dataDir };
}

const ROUTE53_REGION = 'us-east-1';
const AUTHORIZATION =
  /^AWS4-HMAC-SHA256 Credential=([^/]+)\/(\d{8})\/([^/]+)\/route53\/aws4_request, ?SignedHeaders=([a-z0-9;-]+), ?Signature=[0-9a-f]{64}$/;

/** The request's Authorization header, signed again for us-east-1 when the client scoped it to another region. */
async function signedForRoute53(request: http.IncomingMessage, body: Buffer): Promise<string | undefined> {
  const match = AUTHORIZATION.exec(request.headers.authorization ?? '');
  if (!match || match[3] === ROUTE53_REGION) return request.headers.authorization;
  const [, accessKeyId, date, , names] = match;
  const signedHeaders: Record<string, string> = {};
  for (const name of names.split(';')) signedHeaders[name] = String(request.headers[name] ?? '');
  const amzDate = String(request.headers['x-amz-date'] ?? '');
  const at = new Date(
    `${amzDate.slice(0, 4)}-${amzDate.slice(4, 6)}-${amzDate.slice(6, 8)}T${amzDate.slice(9, 11)}:${amzDate.slice(11, 13)}:${amzDate.slice(13, 15)}Z`,
  );
  const signature = await computeSignature(
    { method: request.method ?? 'GET', url: request.url ?? '/', body },
    signedHeaders,
    CREDENTIALS,
    { region: ROUTE53_REGION, service: ROUTE53_SERVICE },
    at,
  );
  return `AWS4-HMAC-SHA256 Credential=${accessKeyId}/${date}/${ROUTE53_REGION}/${ROUTE53_SERVICE}/aws4_request, SignedHeaders=${names}, Signature=${signature}`;
}

function readBody(request: http.IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => resolve(Buffer.concat(chunks)));
    request.on('error', reject);
  });
}

const router = http.createServer((request, response) => {
  void (async () => {
    try {
      const body = await readBody(request);
      if (request.method === 'POST' && request.url?.startsWith('/moto-api/reset')) {
        resets += 1;
        current = freshAuthority();
        await current;
        response.writeHead(200, { 'content-type': 'application/json' }).end('{"status": "ok"}');
        return;
      }
      if (request.method === 'POST' && body.toString().includes('Action=GetCallerIdentity')) {
        response
          .writeHead(200, { 'content-type': 'text/xml' })
          .end(
            `<GetCallerIdentityResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><GetCallerIdentityResult><Arn>arn:aws:sts::${ACCOUNT}:user/moto</Arn><UserId>AKIAIOSFODNN7EXAMPLE</UserId><Account>${ACCOUNT}</Account></GetCallerIdentityResult><ResponseMetadata><RequestId>00000000-0000-0000-0000-000000000000</RequestId></ResponseMetadata></GetCallerIdentityResponse>`,
          );
        return;
      }
      current ??= freshAuthority();
      const { authority } = await current;
      // Forwarded as received, Host header included: the SigV4 signature covers it.
      const authorization = await signedForRoute53(request, body);
      const headers = { ...request.headers, ...(authorization ? { authorization } : {}) };
      const upstream = http.request(
        { host: authority.host, port: authority.apiPort, method: request.method, path: request.url, headers },
        (answer) => {
          response.writeHead(answer.statusCode ?? 502, answer.headers);
          answer.pipe(response);
        },
      );
      upstream.on('error', (error) => response.writeHead(502).end(String(error)));
      upstream.end(body);
    } catch (error) {
      response.writeHead(500).end(String(error));
    }
  })();
});

await new Promise<void>((resolve) => router.listen(0, '127.0.0.1', resolve));
const endpoint = `http://127.0.0.1:${(router.address() as AddressInfo).port}`;

const stop = async () => {
  router.close();
  router.closeAllConnections();
  const last = current ? await current : undefined;
  if (last) {
    await last.authority.close();
    await fs.rm(last.dataDir, { recursive: true, force: true });
  }
};

if (values.serve) {
  console.log(`moto-suite router: TEST_SERVER_MODE=true TEST_SERVER_MODE_ENDPOINT=${endpoint}`);
  process.once('SIGINT', () => void stop().then(() => process.exit(0)));
} else {
  const pytest = spawn(
    values.python,
    ['-m', 'pytest', 'tests/test_route53', '-q', '-rfE', '-p', 'no:cacheprovider', ...positionals],
    {
      cwd: values.tests,
      stdio: 'inherit',
      env: {
        ...process.env,
        TEST_SERVER_MODE: 'true',
        TEST_SERVER_MODE_ENDPOINT: endpoint,
        AWS_ACCESS_KEY_ID: CREDENTIALS.accessKeyId,
        AWS_SECRET_ACCESS_KEY: CREDENTIALS.secretAccessKey,
        AWS_DEFAULT_REGION: 'us-east-1',
      },
    },
  );
  const code = await new Promise<number>((resolve) => pytest.once('exit', (exitCode) => resolve(exitCode ?? 1)));
  await stop();
  console.log(`moto-suite: pytest exited ${code} after ${resets} resets (one fresh authority each)`);
  process.exit(code === 0 ? 0 : 1);
}
