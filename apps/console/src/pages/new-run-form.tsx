import { useState, type FormEvent } from 'react';
import { navigate } from '../router';
import { useApi } from '../use-api';
import { Problems } from './problems';

const EXAMPLE = `name: fan-out
steps:
  - id: square
    agent: transform
    forEach: "{{ $input.numbers }}"
    input: { expression: "n * n", data: { n: "{{ $item }}" } }
  - id: total
    agent: transform
    needs: [square]
    input: { expression: "$sum($)", data: "{{ $steps.square.output }}" }
`;

/** An inline workflow (YAML or JSON, sent as text) and its input (JSON). */
export function NewRunForm() {
  const api = useApi();
  const [workflow, setWorkflow] = useState(EXAMPLE);
  const [input, setInput] = useState('{ "numbers": [1, 2, 3, 4] }');
  const [error, setError] = useState<Error>();
  const [busy, setBusy] = useState(false);

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setError(undefined);
    let parsed: unknown;
    try {
      parsed = input.trim() === '' ? undefined : JSON.parse(input);
    } catch (err) {
      setError(new Error(`The input is not JSON: ${(err as Error).message}`));
      return;
    }
    setBusy(true);
    try {
      const run = await api.submitRun({ workflow, input: parsed });
      navigate(`/runs/${run.id}`);
    } catch (err) {
      setError(err as Error);
    } finally {
      setBusy(false);
    }
  };

  return (
    <form className="card stack" onSubmit={submit} aria-label="New run">
      <label htmlFor="new-workflow">Workflow (YAML or JSON)</label>
      <textarea id="new-workflow" className="code" rows={12} value={workflow} onChange={(e) => setWorkflow(e.target.value)} spellCheck={false} />
      <label htmlFor="new-input">Input (JSON)</label>
      <textarea id="new-input" className="code" rows={3} value={input} onChange={(e) => setInput(e.target.value)} spellCheck={false} />
      {error && <Problems error={error} />}
      <div><button type="submit" className="primary" disabled={busy}>{busy ? 'Submitting…' : 'Submit run'}</button></div>
    </form>
  );
}
