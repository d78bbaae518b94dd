// A minimal keep-alive JSON client over node:http (Node 20's fetch takes no http.Agent, and undici
// is not a dependency of the repo).
import http from 'node:http';

export class HttpClient {
  /** @param {string} base e.g. http://127.0.0.1:3000 @param {number} maxSockets */
  constructor(base, maxSockets = 64) {
    this.base = new URL(base);
    /** Sent with every request (the bench's API key, once it has one). */
    this.headers = {};
    this.agent = new http.Agent({ keepAlive: true, maxSockets, maxFreeSockets: maxSockets });
  }

  /**
   * One request; resolves with { status, headers, body (parsed JSON when it is JSON), ms } and
   * never rejects on an HTTP status, only on a network error or the timeout.
   */
  request(method, path, body, { timeoutMs = 30_000, headers = {} } = {}) {
    const payload = body === undefined ? undefined : Buffer.from(typeof body === 'string' ? body : JSON.stringify(body));
    const started = performance.now();
    return new Promise((resolve, reject) => {
      const req = http.request(
        {
          host: this.base.hostname,
          port: this.base.port,
          method,
          path,
          agent: this.agent,
          headers: {
            accept: 'application/json',
            ...(payload ? { 'content-type': 'application/json', 'content-length': payload.length } : {}),
            ...this.headers,
            ...headers,
          },
        },
        (res) => {
          const chunks = [];
          res.on('data', (c) => chunks.push(c));
          res.on('end', () => {
            const text = Buffer.concat(chunks).toString('utf8');
            let parsed = text;
            if ((res.headers['content-type'] ?? '').includes('json')) {
              try {
                parsed = JSON.parse(text);
              } catch {
                // keep the text
              }
            }
            resolve({ status: res.statusCode, headers: res.headers, body: parsed, ms: performance.now() - started });
          });
          res.on('error', reject);
        },
      );
      req.setTimeout(timeoutMs, () => req.destroy(new Error(`${method} ${path}: no answer within ${timeoutMs} ms`)));
      req.on('error', reject);
      if (payload) req.write(payload);
      req.end();
    });
  }

  get(path, opts) {
    return this.request('GET', path, undefined, opts);
  }

  post(path, body, opts) {
    return this.request('POST', path, body, opts);
  }

  close() {
    this.agent.destroy();
  }
}
