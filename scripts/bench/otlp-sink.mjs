// BENCH_TRACING=1: a local OTLP/HTTP receiver for the api's and workers' span exports. It reads
// and drops every export (counting them), so that the run measures what tracing costs the
// processes, not what a collector costs the machine. It runs inside the bench process: its CPU
// is counted with the bench client's.
import { createServer } from 'node:http';

/** Starts the sink on a free local port; `url` is what OTEL_EXPORTER_OTLP_ENDPOINT gets. */
export async function startOtlpSink() {
  const counts = { exports: 0, bytes: 0 };
  const server = createServer((req, res) => {
    req.on('data', (chunk) => (counts.bytes += chunk.length));
    req.on('end', () => {
      counts.exports += 1;
      res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
    });
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${server.address().port}`,
    counts,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}
