#!/usr/bin/env node
// The top self-time functions of a V8 CPU profile (`bench.mjs --cpu-prof DIR` writes them).
//
//   node scripts/bench/top-self.mjs FILE [--top N] [--from S] [--to S] [--by function|module]
//
// --from/--to keep the samples between those seconds after the process started (the timeline it
// prints first shows where the scenario ran), so that start-up's module loading stays out.
import { readFileSync } from 'node:fs';

const args = process.argv.slice(2);
const flag = (name, fallback) => {
  const i = args.indexOf(`--${name}`);
  return i < 0 ? fallback : args[i + 1];
};
const file = args.find((a, i) => !a.startsWith('--') && !args[i - 1]?.startsWith('--'));
if (!file) {
  process.stderr.write('usage: top-self.mjs FILE [--top N] [--from S] [--to S] [--by function|module]\n');
  process.exit(2);
}
const top = Number(flag('top', 25));
const fromUs = Number(flag('from', 0)) * 1e6;
const toUs = Number(flag('to', Infinity)) * 1e6;
const by = flag('by', 'function');

const profile = JSON.parse(readFileSync(file, 'utf8'));
const nodes = new Map(profile.nodes.map((n) => [n.id, n]));
const shortUrl = (url) => url.replace(/^.*node_modules\//, '').replace(/^.*\/((apps|packages)\/)/, '$1');
const keyOf = ({ functionName, url, lineNumber }) => {
  if (by === 'module') {
    const short = shortUrl(url);
    return short.split('/').slice(0, /^(apps|packages)\/|^@/.test(short) ? 2 : 1).join('/') || functionName;
  }
  return `${functionName || '(anonymous)'}  ${shortUrl(url)}${url ? `:${lineNumber + 1}` : ''}`;
};

const perSecond = [];
const self = new Map();
let at = 0;
let busy = 0;
profile.samples.forEach((id, i) => {
  const dt = profile.timeDeltas[i] ?? 0;
  at += dt;
  const frame = nodes.get(id).callFrame;
  if (frame.functionName === '(idle)') return;
  const second = Math.floor(at / 1e6);
  perSecond[second] = (perSecond[second] ?? 0) + dt / 1000;
  if (at < fromUs || at > toUs) return;
  busy += dt;
  self.set(keyOf(frame), (self.get(keyOf(frame)) ?? 0) + dt);
});

console.log(`busy ms per second since start: ${perSecond.map((ms, s) => `${s}:${Math.round(ms ?? 0)}`).join(' ')}`);
console.log(`${(busy / 1000).toFixed(0)} ms busy in the window`);
for (const [key, us] of [...self].sort((a, b) => b[1] - a[1]).slice(0, top)) {
  console.log(`${(us / 1000).toFixed(1).padStart(9)} ms ${((100 * us) / busy).toFixed(1).padStart(5)} %  ${key}`);
}
