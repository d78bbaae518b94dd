/** Baton's one error family: a stable `code` the api maps to HTTP in a single place. */
export class BatonError extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly details: Array<{ path: string; message: string }> = [],
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = new.target.name;
  }
}
