import { BatonApiError } from '../api';

/** An error of the api with every problem it lists (`details`: path and message); a 403 says it is the key's role. */
export function Problems({ error }: { error: Error }) {
  const details = error instanceof BatonApiError ? error.details : [];
  const forbidden = error instanceof BatonApiError && error.status === 403;
  return (
    <div className="error" role="alert">
      {forbidden
        ? <p><strong>Not allowed with this key:</strong> {error.message}. Log in with a key whose role may do it.</p>
        : <p>{error instanceof BatonApiError ? `${error.code}: ` : ''}{error.message}</p>}
      {details.length > 0 && (
        <ul>{details.map((d, i) => <li key={i}><code>{d.path || '(body)'}</code> {d.message}</li>)}</ul>
      )}
    </div>
  );
}
