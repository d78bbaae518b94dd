/** The workflow `npm start` runs so a new user sees Baton work: a chain, a parallel pair, a fan-out and a join. */
export const sampleWorkflow = {
  name: 'hello-baton',
  description: 'A first run: greet, fan out over a list, join',
  steps: [
    { id: 'greet', agent: 'echo', input: { message: 'Hello, {{ $input.name }}!' } },
    { id: 'shout', agent: 'transform', needs: ['greet'], input: { expression: '$uppercase(message)', data: '{{ $steps.greet.output }}' } },
    { id: 'wait', agent: 'delay', needs: ['greet'], input: { ms: 200, value: 'waited 200 ms' } },
    { id: 'each', agent: 'echo', needs: ['greet'], forEach: '{{ $input.items }}', concurrency: 2, input: { item: '{{ $item }}', index: '{{ $index }}' } },
    { id: 'join', agent: 'echo', needs: ['shout', 'wait', 'each'], input: { shout: '{{ $steps.shout.output }}', count: '{{ $count($steps.each.output) }}' } },
  ],
  output: '{{ $steps.join.output }}',
};

export const sampleInput = { name: 'new user', items: ['a', 'b', 'c'] };
