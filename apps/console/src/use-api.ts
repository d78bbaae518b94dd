import { createContext, useCallback, useContext, useEffect, useRef, useState } from 'react';
import type { Api } from './api';

export const ApiContext = createContext<Api | undefined>(undefined);

export function useApi(): Api {
  const api = useContext(ApiContext);
  if (!api) throw new Error('useApi outside ApiContext');
  return api;
}

export interface Loaded<T> { data?: T; error?: Error; loading: boolean; reload: () => void }

/**
 * Loads `load(api)` when `deps` change, and again every `pollMs` while the page shows (the live
 * lists); the previous data stays on screen while a reload runs.
 */
export function useLoad<T>(load: (api: Api) => Promise<T>, deps: unknown[], pollMs?: number): Loaded<T> {
  const api = useApi();
  const [state, setState] = useState<{ data?: T; error?: Error; loading: boolean }>({ loading: true });
  const [tick, setTick] = useState(0);
  const loadRef = useRef(load);
  loadRef.current = load;
  useEffect(() => {
    let live = true;
    setState((s) => ({ ...s, loading: true }));
    loadRef.current(api).then(
      (data) => live && setState({ data, loading: false }),
      (error: Error) => live && setState((s) => ({ data: s.data, error, loading: false })),
    );
    return () => void (live = false);
  }, [api, tick, ...deps]);
  useEffect(() => {
    if (!pollMs) return;
    const timer = setInterval(() => document.visibilityState === 'visible' && setTick((t) => t + 1), pollMs);
    return () => clearInterval(timer);
  }, [pollMs]);
  const reload = useCallback(() => setTick((t) => t + 1), []);
  return { ...state, reload };
}
