import { BatonApiError } from '../api';

/** An error of the api with every problem it lists (`details`: path and message). */
export function Problems({ error }: { error: Error }) {
  const details = error instanceof BatonApiError ? error.details : [];
  return (
    <div className="error" role="alert">
      <p>{error instanceof BatonApiError ? `${error.code}: ` : ''}{error.message}</p>
      {details.length > 0 && (
        <ul>{details.map((d, i) => <li key={i}><code>{d.path || '(body)'}</code> {d.message}</li>)}</ul>
      )}
    </div>
  );
}
