/**
 * `work`'s outcome if it settles within `ms`, else `onTimeout()`'s value (or its rejection): a
 * dependency that hangs never holds the caller longer than that. `work` is not cancelled; a late
 * outcome is dropped. The timer is cleared either way.
 */
export async function within<T, F = T>(work: Promise<T>, ms: number, onTimeout: () => F): Promise<T | F> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<F>((resolve, reject) => {
    timer = setTimeout(() => {
      try {
        resolve(onTimeout());
      } catch (err) {
        reject(err);
      }
    }, ms);
  });
  try {
    return await Promise.race([work, late]);
  } finally {
    clearTimeout(timer);
  }
}
