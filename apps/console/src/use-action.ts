import { useState } from 'react';

export interface Action {
  busy: boolean;
  error?: Error;
  /** Runs `call` unless one is running; its error is kept for the page to show, never thrown. */
  run: <T>(call: () => Promise<T>) => Promise<T | undefined>;
  clear: () => void;
}

/** One button's (or form's) call to the api: busy while it runs, its error shown until the next try. */
export function useAction(): Action {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<Error>();
  const run = async <T,>(call: () => Promise<T>): Promise<T | undefined> => {
    setBusy(true);
    setError(undefined);
    try {
      return await call();
    } catch (err) {
      setError(err as Error);
      return undefined;
    } finally {
      setBusy(false);
    }
  };
  return { busy, error, run, clear: () => setError(undefined) };
}
