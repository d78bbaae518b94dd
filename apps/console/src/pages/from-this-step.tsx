import { useId, useState } from 'react';
import type { RerunRequest, Run, Step } from '../api';
import { json } from '../format';
import { OperatorButton } from '../operator-button';
import { useAction } from '../use-action';
import { useApi } from '../use-api';
import { Problems } from './problems';

const FINAL = new Set(['succeeded', 'failed', 'cancelled']);

/**
 * Re-run the run from this step, or fork a new run from it, optionally with an edited input for
 * the step (a JSON editor prefilled with the input it was given, checked before anything is sent).
 */
export function FromThisStep({ run, entry, input, onRerun, onForked }: {
  run: Run; entry: Step; input: unknown; onRerun: () => void; onForked: (id: string) => void;
}) {
  const api = useApi();
  const ids = useId();
  const action = useAction();
  const [editing, setEditing] = useState(false);
  const [text, setText] = useState('');
  const [version, setVersion] = useState('');
  const [invalid, setInvalid] = useState<string>();
  const finished = FINAL.has(run.status);

  const startEditing = (on: boolean) => {
    setEditing(on);
    setInvalid(undefined);
    if (on && text === '') setText(input === undefined ? '{}' : json(input));
  };

  /** The request's body, or undefined (with the reason shown) when the edited input is not JSON. */
  const body = (): RerunRequest | undefined => {
    setInvalid(undefined);
    if (!editing) return { fromStep: entry.id };
    try {
      return { fromStep: entry.id, input: JSON.parse(text) };
    } catch (err) {
      setInvalid(`The edited input is not JSON: ${(err as Error).message}`);
      return undefined;
    }
  };

  const rerun = async () => {
    const request = body();
    if (request && (await action.run(() => api.rerunRun(run.id, request))) !== undefined) onRerun();
  };
  const fork = async () => {
    const request = body();
    if (!request) return;
    const chosen = version.trim() === '' ? undefined : Number(version);
    if (chosen !== undefined && !(Number.isInteger(chosen) && chosen >= 1)) return setInvalid('The template version must be a whole number from 1.');
    const answer = await action.run(() => api.forkRun(run.id, { ...request, ...(chosen === undefined ? {} : { version: chosen }) }));
    if (answer) onForked(answer.id);
  };

  return (
    <section className="stack from-step" aria-labelledby={`${ids}-title`}>
      <h3 id={`${ids}-title`}>From this step</h3>
      {entry.key !== entry.id && <p className="muted">This acts on the step <code>{entry.id}</code>, the whole of it.</p>}
      <label className="check">
        <input type="checkbox" checked={editing} onChange={(e) => startEditing(e.target.checked)} /> Edit the step&apos;s input
      </label>
      {editing && (
        <>
          <label htmlFor={`${ids}-input`}>Input for {entry.id} (JSON)</label>
          <textarea id={`${ids}-input`} className="code" rows={8} spellCheck={false} value={text} aria-invalid={invalid !== undefined}
            onChange={(e) => { setText(e.target.value); setInvalid(undefined); }} />
        </>
      )}
      {run.template && (
        <label>
          Fork with template version{' '}
          <input type="number" min={1} step={1} value={version} onChange={(e) => setVersion(e.target.value)} placeholder={`v${run.version}`} className="narrow" aria-label="Template version of the fork" />
        </label>
      )}
      {invalid && <p className="error" role="alert">{invalid}</p>}
      {action.error && <Problems error={action.error} />}
      <div className="actions">
        <OperatorButton needs="run.retry" disabled={action.busy || !finished} onClick={rerun}
          title={finished ? 'Run this step and everything downstream again, in this run' : undefined}>Re-run from this step</OperatorButton>
        <OperatorButton needs="run.retry" disabled={action.busy} onClick={fork}
          title="A new run from this step; this run is left alone">Fork from this step</OperatorButton>
      </div>
      {!finished && <p className="muted small">A re-run needs a finished run (cancel it first); a fork can be made at any time.</p>}
    </section>
  );
}
