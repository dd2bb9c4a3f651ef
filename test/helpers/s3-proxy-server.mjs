// The counting proxy of s3-proxy.ts, as its own process: the S3 store's shard reads block the test's own
// thread (s3-sync-get.ts), so a proxy in that thread could never answer them.
//   node test/helpers/s3-proxy-server.mjs UPSTREAM [IGNORE_RANGE_FROM]
// Prints "listening PORT". GET /__proxy/requests answers the requests passed on so far, as JSON.
import { createServer, request as forward } from 'node:http';

const [target, ignoreFrom] = process.argv.slice(2);
const upstream = new URL(target);
const ignoreRangeFrom = ignoreFrom === undefined ? undefined : Number(ignoreFrom);
const requests = [];

const server = createServer((incoming, outgoing) => {
  if (incoming.url === '/__proxy/requests') {
    outgoing.writeHead(200, { 'content-type': 'application/json' });
    outgoing.end(JSON.stringify(requests));
    return;
  }
  const headers = { ...incoming.headers };
  const rangeStart = Number(/^bytes=(\d+)-/.exec(headers.range ?? '')?.[1] ?? NaN);
  if (ignoreRangeFrom !== undefined && rangeStart >= ignoreRangeFrom) delete headers.range;
  const onward = forward(
    { host: upstream.hostname, port: upstream.port, method: incoming.method, path: incoming.url, headers },
    (answer) => {
      let bytes = 0;
      answer.on('data', (chunk) => (bytes += chunk.length));
      // Recorded before the last byte is passed on, so a client that has its answer finds it in the log.
      answer.on('end', () =>
        requests.push({
          method: incoming.method,
          path: incoming.url,
          range: headers.range,
          ifMatch: headers['if-match'],
          status: answer.statusCode,
          bytes,
        }),
      );
      outgoing.writeHead(answer.statusCode ?? 502, answer.headers);
      answer.pipe(outgoing);
    },
  );
  onward.on('error', (error) => outgoing.destroy(error));
  incoming.pipe(onward);
});
server.listen(0, '127.0.0.1', () => console.log(`listening ${server.address().port}`));
