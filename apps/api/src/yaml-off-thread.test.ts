import { parseWorkflow } from '@baton/workflow';
import { closeYamlReader, parseOffThread } from './yaml-off-thread';

// The worker thread runs the built @baton/workflow (`npm test` builds first).
describe('parseOffThread', () => {
  afterAll(closeYamlReader);
  const yaml = 'name: w\nsteps:\n  - id: a\n    agent: echo\n    input: { text: "{{ $input.text }}" }\n';

  test('reads YAML on a worker thread, as parseWorkflow reads it', async () => {
    expect(await parseOffThread(yaml)).toEqual(parseWorkflow(yaml));
  });

  test('reads JSON text here', async () => {
    expect(await parseOffThread('{"name":"w","steps":[]}')).toEqual({ ok: true, definition: { name: 'w', steps: [] } });
  });

  test('passes the node limit and answers problems', async () => {
    expect(await parseOffThread(yaml, { maxYamlNodes: 5 })).toEqual({
      ok: false,
      problems: [{ path: '', message: 'not valid YAML: more than 5 nodes once its aliases are expanded (BATON_MAX_YAML_NODES)' }],
    });
    expect(await parseOffThread('a: [')).toMatchObject({ ok: false, problems: [{ path: '', message: expect.stringMatching(/^not valid JSON or YAML/) }] });
  });

  test('answers each of several definitions read at once with its own result', async () => {
    const sources = Array.from({ length: 20 }, (_, i) => `name: w${i}\nsteps: []\n`);
    const results = await Promise.all(sources.map((s) => parseOffThread(s)));
    expect(results).toEqual(sources.map((_, i) => ({ ok: true, definition: { name: `w${i}`, steps: [] } })));
  });

  test('a reader stopped while reading refuses what it held, and a new one reads the next', async () => {
    const reading = parseOffThread(yaml);
    await closeYamlReader();
    expect(await reading).toEqual({ ok: false, problems: [{ path: '', message: 'not valid YAML: the YAML reader stopped' }] });
    expect(await parseOffThread(yaml)).toMatchObject({ ok: true });
    await closeYamlReader();
    await closeYamlReader(); // none running: nothing to do
  });
});
