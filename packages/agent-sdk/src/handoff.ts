// A symbol from the global registry, so a Handoff made by another copy of this package (a custom
// agent module with its own node_modules) is still recognised: `instanceof` alone would miss it.
const BRAND = Symbol.for('baton.agents.Handoff');

/**
 * What `ctx.handoff(...)` returns: the agent ends its step by passing it on to agent `to`. A typed
 * result, never a key in an output: only a Handoff returned by `run` itself hands off.
 */
export class Handoff {
  readonly [BRAND] = true;

  constructor(
    readonly to: string,
    readonly input: unknown,
    readonly reason?: string,
  ) {}

  static is(value: unknown): value is Handoff {
    return value instanceof Handoff || (typeof value === 'object' && value !== null && (value as Record<symbol, unknown>)[BRAND] === true);
  }
}
