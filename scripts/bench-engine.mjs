#!/usr/bin/env node
// Drives whole runs through the built engine alone (no Redis, no Postgres) and prints how fast it decides.
//   npm run bench:engine            (builds first)
//   node scripts/bench-engine.mjs   (after `npx tsc -b packages/engine`: the packages resolve to their dist/)
import { performance } from 'node:perf_hooks';
import { applyDecisionInPlace, decide, initialRun } from '@baton/engine';
import { compileWorkflow, workflowSchema } from '@baton/workflow';

const LAYERS = 10;
const WIDTH = 100;

/** 10 layers of 100 steps; each step needs `fanIn` steps of the layer before (all of them when fanIn = WIDTH). */
function layeredDag(fanIn) {
  const steps = [];
  for (let layer = 0; layer < LAYERS; layer++) {
    for (let i = 0; i < WIDTH; i++) {
      const needs = [];
      if (layer > 0) for (let k = 0; k < fanIn; k++) needs.push(`s${layer - 1}-${(i + k * 37) % WIDTH}`);
      steps.push({ id: `s${layer}-${i}`, agent: 'echo', needs: [...new Set(needs)], input: { layer, i } });
    }
  }
  return { name: `dag-${fanIn}`, steps };
}

function forEachRun(items, concurrency) {
  return {
    name: 'fan-out',
    steps: [
      { id: 'each', agent: 'echo', forEach: '{{ $input.items }}', ...(concurrency ? { concurrency } : {}), input: { n: '{{ $item }}' } },
      { id: 'after', agent: 'echo', needs: ['each'], input: { count: '{{ $count($steps.each.output) }}' } },
    ],
  };
}

/** Submits a run, then plays a worker that starts and completes every enqueued job in order. */
async function drive(definition, input) {
  const workflow = compileWorkflow(workflowSchema.parse(definition));
  let clock = Date.UTC(2025, 0, 1);
  const state = initialRun({ id: 'bench', input, priority: 5, now: new Date(clock) });
  const jobs = [];
  let decisions = 0;
  const apply = async (event) => {
    const decision = await decide(workflow, state, event, new Date(++clock));
    applyDecisionInPlace(state, decision);
    decisions++;
    for (const command of decision.commands) if (command.type === 'enqueue') jobs.push(command);
  };
  const started = performance.now();
  await apply({ type: 'run.submitted' });
  for (let next = 0; next < jobs.length; next++) {
    const { key, attempt, input: jobInput } = jobs[next];
    await apply({ type: 'step.started', key, attempt });
    await apply({ type: 'step.succeeded', key, attempt, output: jobInput });
  }
  const ms = performance.now() - started;
  if (state.status !== 'succeeded') throw new Error(`${definition.name} ended ${state.status}`);
  return { ms, decisions, jobs: jobs.length };
}

async function bench(label, definition, input = {}) {
  await drive(definition, input); // warm-up: JIT and the expression cache
  const runs = [];
  for (let i = 0; i < 5; i++) runs.push(await drive(definition, input));
  const best = runs.reduce((a, b) => (a.ms <= b.ms ? a : b));
  const median = runs.map((r) => r.ms).sort((a, b) => a - b)[2];
  const perSecond = Math.round(best.decisions / (median / 1000));
  console.log(
    `${label.padEnd(44)} ${String(best.jobs).padStart(5)} jobs ${String(best.decisions).padStart(6)} decisions ` +
      `${median.toFixed(1).padStart(7)} ms median (best ${best.ms.toFixed(1)} ms) ${perSecond.toLocaleString('en-US').padStart(10)} decisions/s`,
  );
}

const items = Array.from({ length: 5000 }, (_, i) => i);
await bench('1,000-step DAG, 10x100, each needs all 100', layeredDag(WIDTH));
await bench('1,000-step DAG, 10x100, each needs 3', layeredDag(3));
await bench('forEach over 5,000 items, all at once', forEachRun(items), { items });
await bench('forEach over 5,000 items, concurrency 50', forEachRun(items, 50), { items });
