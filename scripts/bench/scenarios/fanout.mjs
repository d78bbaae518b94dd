// Fan-out: one run whose forEach step spreads over --items items, then a join that counts them.
import { fanOutWorkflow } from '../workflows.mjs';
import { singleRun } from './single-run.mjs';

export async function fanout(ctx) {
  const { opts } = ctx;
  const name = 'bench-fanout';
  const items = Array.from({ length: opts.items }, (_, i) => i);
  const r = await singleRun(ctx, {
    name, label: 'fanout', body: { workflow: fanOutWorkflow(name), input: { items } },
    expectedSteps: opts.items + 1, timeoutMs: ctx.timeoutMs(60_000),
  });
  if (r.run_status === 'succeeded') {
    const { rows } = await ctx.pool.query(`SELECT output FROM steps WHERE run_id = $1 AND key = 'join'`, [r.run_id]);
    r.join_output = rows[0]?.output;
    if (Number(rows[0]?.output?.n) !== opts.items) r.check = `join saw n = ${JSON.stringify(rows[0]?.output?.n)}, expected ${opts.items}`;
  }
  r.items = opts.items;
  return r;
}
