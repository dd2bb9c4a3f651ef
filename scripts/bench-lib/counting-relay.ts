// A counting relay between Route53 clients in other processes (real `dnsplane enact`) and the authority: it
// forwards every request unchanged (SigV4 signs the Host header, which it keeps) and counts, per relay, the
// requests by operation, and the ResourceRecord elements and value characters of every change batch as
// Route53 counts them against its limits (an UPSERT counts twice), plus throttled and rejected answers.
import { Agent, createServer, request, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface RelayCounts {
  requests: number;
  byOperation: Map<string, number>;
  /** ResourceRecord elements in ChangeResourceRecordSets requests (UPSERT twice). */
  elements: number;
  /** Value characters in ChangeResourceRecordSets requests (UPSERT twice). */
  chars: number;
  /** The largest batch seen, in elements and characters. */
  maxElements: number;
  maxChars: number;
  throttled: number;
  rejected: number;
  /** performance.now() of the last ChangeResourceRecordSets request (0: none yet). */
  lastChangeAt: number;
  /** performance.now() of the last request of any kind (0: none yet). */
  lastRequestAt: number;
}

export interface CountingRelay {
  url: string;
  counts: RelayCounts;
  reset(): void;
  close(): Promise<void>;
}

/** Counts before any request: what a fresh relay, a reset, or a sum over relays starts from. */
export const emptyCounts = (): RelayCounts => ({
  requests: 0,
  byOperation: new Map(),
  elements: 0,
  chars: 0,
  maxElements: 0,
  maxChars: 0,
  throttled: 0,
  rejected: 0,
  lastChangeAt: 0,
  lastRequestAt: 0,
});

function operationOf(method: string | undefined, url: string | undefined): string {
  const path = (url ?? '').split('?')[0];
  if (/\/hostedzone\/[^/]+\/rrset\/?$/.test(path))
    return method === 'POST' ? 'ChangeResourceRecordSets' : 'ListResourceRecordSets';
  return `${method} ${path.replace(/\/hostedzone\/[^/]+/, '/hostedzone/ID').replace(/\/change\/[^/]+/, '/change/ID')}`;
}

const unescapeXml = (text: string) =>
  text.replace(
    /&(quot|amp|lt|gt|apos);/g,
    (_, name: string) => ({ quot: '"', amp: '&', lt: '<', gt: '>', apos: "'" })[name]!,
  );

/** Elements and value characters of one ChangeBatch body, as Route53 counts them. */
export function batchSize(xml: string): { elements: number; chars: number } {
  let elements = 0;
  let chars = 0;
  for (const change of xml.split('<Change>').slice(1)) {
    const weight = /<Action>UPSERT<\/Action>/.test(change) ? 2 : 1;
    for (const match of change.matchAll(/<Value>([^<]*)<\/Value>/g)) {
      elements += weight;
      chars += weight * unescapeXml(match[1]).length;
    }
  }
  return { elements, chars };
}

export async function startCountingRelay(target: string): Promise<CountingRelay> {
  const upstream = new URL(target);
  const agent = new Agent({ keepAlive: true, maxSockets: 16 });
  let counts = emptyCounts();
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      const operation = operationOf(req.method, req.url);
      const tally = counts;
      tally.requests += 1;
      tally.lastRequestAt = performance.now();
      tally.byOperation.set(operation, (tally.byOperation.get(operation) ?? 0) + 1);
      if (operation === 'ChangeResourceRecordSets') {
        const size = batchSize(body.toString('utf8'));
        tally.elements += size.elements;
        tally.chars += size.chars;
        tally.maxElements = Math.max(tally.maxElements, size.elements);
        tally.maxChars = Math.max(tally.maxChars, size.chars);
        tally.lastChangeAt = performance.now();
      }
      const forward = request(
        {
          host: upstream.hostname,
          port: upstream.port,
          method: req.method,
          path: req.url,
          headers: req.headers,
          agent,
        },
        (answer: IncomingMessage) => {
          const status = answer.statusCode ?? 502;
          if (status < 400) {
            res.writeHead(status, answer.headers);
            answer.pipe(res);
            return;
          }
          const errorChunks: Buffer[] = [];
          answer.on('data', (chunk: Buffer) => errorChunks.push(chunk));
          answer.on('end', () => {
            const text = Buffer.concat(errorChunks).toString('utf8');
            if (/Throttling/.test(text)) tally.throttled += 1;
            if (/InvalidChangeBatch/.test(text)) tally.rejected += 1;
            res.writeHead(status, answer.headers);
            res.end(text);
          });
        },
      );
      forward.on('error', (error) => {
        res.writeHead(502, { 'content-type': 'text/plain' });
        res.end(`relay: ${error.message}`);
      });
      forward.end(body);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    get counts() {
      return counts;
    },
    reset: () => {
      counts = emptyCounts();
    },
    close: () =>
      new Promise<void>((resolve) => {
        agent.destroy();
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
