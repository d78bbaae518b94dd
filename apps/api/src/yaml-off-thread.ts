import { Worker } from 'node:worker_threads';
import type { ParseOptions, ParseResult } from '@baton/workflow';

// The worker runs the built @baton/workflow, resolved from this file by Node itself (plain
// JavaScript, also when the api runs from TypeScript sources under jest, whose own resolver would
// give the sources), and answers with JSON text, which the api parses in a moment.
const WORKER_CODE = `
const { parentPort, workerData } = require('node:worker_threads');
const { parseWorkflow } = require('node:module').createRequire(workerData.from)('@baton/workflow');
parentPort.on('message', ({ id, source, options }) => {
  let answer;
  try {
    const result = parseWorkflow(source, options);
    answer = result.ok ? { id, ok: true, json: JSON.stringify(result.definition) } : { id, ok: false, problems: result.problems };
  } catch (err) {
    answer = { id, ok: false, problems: [{ path: '', message: 'not valid YAML: ' + String(err && err.message) }] };
  }
  parentPort.postMessage(answer);
});
`;

type Answer = { id: number; ok: true; json: string } | { id: number; ok: false; problems: { path: string; message: string }[] };

let worker: Worker | undefined;
let nextId = 0;
const waiting = new Map<number, (answer: Answer) => void>();
let idleTimer: NodeJS.Timeout | undefined;

/** YAML definitions are rare: a reader idle this long is stopped (and started again when needed). */
const IDLE_MS = 2000;

function failAll(message: string): void {
  for (const [id, answer] of waiting) answer({ id, ok: false, problems: [{ path: '', message }] });
  waiting.clear();
  worker = undefined;
}

function yamlWorker(): Worker {
  if (worker) return worker;
  const started = new Worker(WORKER_CODE, { eval: true, workerData: { from: __filename } });
  // It must not keep the process alive, and a crash fails only the definitions it was reading.
  started.unref();
  started.on('message', (answer: Answer) => {
    waiting.get(answer.id)?.(answer);
    waiting.delete(answer.id);
    if (waiting.size > 0) return;
    idleTimer = setTimeout(() => {
      if (waiting.size > 0 || worker !== started) return;
      worker = undefined;
      void started.terminate();
    }, IDLE_MS);
    idleTimer.unref();
  });
  // Only the current reader's end concerns the definitions waiting (an idle one is no longer current).
  started.on('error', (err) => worker === started && failAll(`not valid YAML: the YAML reader failed (${err.message})`));
  started.on('exit', () => worker === started && failAll('not valid YAML: the YAML reader stopped'));
  return (worker = started);
}

/**
 * `parseWorkflow` with YAML read on a worker thread: reading YAML costs some 10 µs a node, so a
 * definition of 40,000 nodes would hold the event loop (and `/healthz`, and every other client)
 * for most of a second. JSON text is parsed here, as before: that is fast.
 */
export async function parseOffThread(source: string, options: ParseOptions = {}): Promise<ParseResult> {
  try {
    return { ok: true, definition: JSON.parse(source) as unknown };
  } catch {
    // Not JSON: YAML, on the worker.
  }
  const id = nextId++;
  const answer = await new Promise<Answer>((resolve) => {
    waiting.set(id, resolve);
    clearTimeout(idleTimer);
    yamlWorker().postMessage({ id, source, options });
  });
  return answer.ok ? { ok: true, definition: JSON.parse(answer.json) as unknown } : { ok: false, problems: answer.problems };
}

/** Stops the YAML reader now (it stops by itself once idle); definitions waiting on it are refused. */
export async function closeYamlReader(): Promise<void> {
  const current = worker;
  clearTimeout(idleTimer);
  if (!current) return;
  failAll('not valid YAML: the YAML reader stopped');
  await current.terminate();
}
