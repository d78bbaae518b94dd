// The workflow definitions the Baton scenarios submit. Each scenario has its own workflow name, so
// its runs are found in Postgres by `runs.workflow_name`.

/** 3 echo steps, each passing its output on: the shape of the raw BullMQ chain. */
export function chainWorkflow(name) {
  return {
    name,
    steps: [
      { id: 'a', agent: 'echo', input: { n: '{{ $input.n }}' } },
      { id: 'b', agent: 'echo', needs: ['a'], input: '{{ $steps.a.output }}' },
      { id: 'c', agent: 'echo', needs: ['b'], input: '{{ $steps.b.output }}' },
    ],
  };
}

/** One forEach step over `$input.items`, then a join that counts the gathered outputs. */
export function fanOutWorkflow(name) {
  return {
    name,
    steps: [
      { id: 'each', agent: 'echo', forEach: '{{ $input.items }}', input: { i: '{{ $index }}' } },
      { id: 'join', agent: 'echo', needs: ['each'], input: { n: '{{ $count($steps.each.output) }}' } },
    ],
  };
}

/** A diamond of `width + 2` steps: one source, `width` parallel steps needing it, one sink needing them all. */
export function diamondWorkflow(name, width) {
  const middle = Array.from({ length: width }, (_, i) => ({ id: `m${i}`, agent: 'echo', needs: ['src'], input: { i } }));
  return {
    name,
    steps: [
      { id: 'src', agent: 'echo', input: { n: '{{ $input.n }}' } },
      ...middle,
      { id: 'sink', agent: 'echo', needs: middle.map((s) => s.id), input: { done: true } },
    ],
  };
}

/**
 * A 3-step chain passing a big output: `a` outputs `{ blob }` (from the run's input, or made by a
 * `transform` step when `generated`), `b` echoes it on, `c` reads its length (so a consumer sees it
 * as a normal value, and the run's own output stays small).
 */
export function payloadWorkflow(name, { generated = false, size = 10_000_000 } = {}) {
  const a = generated
    ? { id: 'a', agent: 'transform', input: { expression: `{ 'blob': $pad('', ${size}, 'x') }`, data: {} } }
    : { id: 'a', agent: 'echo', input: { blob: '{{ $input.blob }}' } };
  return {
    name,
    steps: [
      a,
      { id: 'b', agent: 'echo', needs: ['a'], input: '{{ $steps.a.output }}' },
      { id: 'c', agent: 'echo', needs: ['b'], input: { n: '{{ $length($steps.b.output.blob) }}' } },
    ],
  };
}
