// The suite's client: submissions spread over both apis with an Idempotency-Key, retried with the
// same key (on the other api) after a network error or a 503, as a careful client does; every answer
// is tallied so the checks can say whether a valid request got a 5xx outside an outage.
import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';

export class Client {
  #next = 0;

  constructor(fleet) {
    this.fleet = fleet;
    this.reset();
  }

  /** Starts a new tally (one per scenario). */
  reset() {
    this.tally = { accepted: 0, s503: 0, s503Outside: 0, s5xx: [], networkErrors: 0, retries: 0 };
    this.outage = false;
  }

  /** Submits until accepted; answers { id, key }. @throws after `timeoutMs` without an answer. */
  async submit(workflow, { key = randomUUID(), input = {}, timeoutMs = 60_000 } = {}) {
    const deadline = Date.now() + timeoutMs;
    for (let tries = 0; ; tries++) {
      if (tries > 0) this.tally.retries++;
      const api = this.fleet.apis[this.#next++ % this.fleet.apis.length];
      let r;
      try {
        r = await api.http.request('POST', '/v1/runs', { workflow, input }, { headers: { 'idempotency-key': key }, timeoutMs: 60_000 });
      } catch {
        this.tally.networkErrors++;
      }
      if (r && (r.status === 200 || r.status === 202)) {
        this.tally.accepted++;
        return { id: r.body.id, key };
      }
      if (r?.status === 503) {
        this.tally.s503++;
        if (!this.outage) this.tally.s503Outside++;
      } else if (r && r.status >= 500) this.tally.s5xx.push(`${r.status} ${JSON.stringify(r.body).slice(0, 200)}`);
      else if (r) throw new Error(`POST /v1/runs answered ${r.status}: ${JSON.stringify(r.body).slice(0, 300)}`);
      if (Date.now() > deadline) throw new Error(`POST /v1/runs (key ${key}) not accepted within ${timeoutMs} ms`);
      await sleep(Math.min(1000, 50 * 2 ** Math.min(tries, 5)));
    }
  }

  /** Submits `n` runs, at most `parallel` at once, each retried for up to `timeoutMs`. */
  async submitMany(n, workflowOf, parallel = 50, timeoutMs = 60_000) {
    const out = new Array(n);
    let i = 0;
    await Promise.all(Array.from({ length: Math.min(parallel, n) }, async () => {
      while (i < n) {
        const j = i++;
        out[j] = await this.submit(workflowOf(j), { timeoutMs });
      }
    }));
    return out;
  }
}
