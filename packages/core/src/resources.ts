import { noopLogger, type Logger } from './logger';

interface Owned {
  name: string;
  close: () => unknown;
}

const nameOf = (resource: unknown): string => {
  const constructorName = (resource as { constructor?: { name?: unknown } } | null | undefined)?.constructor?.name;
  return typeof constructorName === 'string' && constructorName !== 'Object' ? constructorName : typeof resource;
};

/**
 * What a composition root opened, closed in reverse order (STYLE rule 4): whoever opens a
 * connection, a server or a timer owns it here, and teardown is one `closeAll()`.
 *
 * ```ts
 * const res = new Resources(logger);
 * const db = res.own(createDb(cfg), (d) => d.destroy(), 'postgres');
 * const redis = res.own(createRedis(cfg.redisUrl, 'client'), (r) => r.quit(), 'redis');
 * process.once('SIGTERM', () => void res.closeAll());
 * ```
 */
export class Resources {
  private readonly owned: Owned[] = [];
  private closing: Promise<void> | undefined;

  /** @param logger where a failing close is reported (`close failed`, with the resource's name). */
  constructor(private readonly logger: Logger = noopLogger) {}

  /**
   * Takes `resource` into ownership: `closeAll` calls `close(resource)`, after closing everything
   * owned later. Owned after `closeAll` began, it is closed right away, still before older ones.
   * @param name how a close failure names it. @defaultValue its constructor's name
   * @returns `resource`, so that opening and owning are one expression.
   */
  own<T>(resource: T, close: (resource: T) => unknown, name: string = nameOf(resource)): T {
    this.owned.push({ name, close: () => close(resource) });
    if (this.closing) this.closing = this.closing.then(() => this.drain());
    return resource;
  }

  /**
   * Closes what it owns, last owned first, each after the previous one settled. A close that
   * throws or rejects is logged and the rest still close. Idempotent: every call returns the one
   * teardown in progress (or done).
   */
  closeAll(): Promise<void> {
    return (this.closing ??= this.drain());
  }

  private async drain(): Promise<void> {
    for (let next = this.owned.pop(); next; next = this.owned.pop()) {
      try {
        await next.close();
      } catch (err) {
        this.logger.error('close failed', { resource: next.name, error: err instanceof Error ? err.message : String(err) });
      }
    }
  }
}
