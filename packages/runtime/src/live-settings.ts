import { runtimeSettingsSchema, type RuntimeSettings } from '@baton/config';
import type { Logger } from '@baton/core';

export interface LiveSettingsOptions {
  /** Reads the stored settings. */
  read(): Promise<{ value: unknown; version: number }>;
  logger: Logger;
  /** Called with the settings each time a newer version is read (and once with the first). */
  apply(settings: RuntimeSettings): void | Promise<void>;
  /** A backstop for a missed message: the settings are read again this often. @defaultValue 30000 */
  pollMs?: number;
}

/**
 * A process's copy of the runtime settings: read at start, read again whenever told (the settings
 * channel) and every `pollMs`, and applied when their version moved. Reads never overlap.
 */
export class LiveSettings {
  private version = -1;
  private current: RuntimeSettings = {};
  private reading: Promise<void> | undefined;
  private again = false;
  private readonly timer: NodeJS.Timeout;

  constructor(private readonly options: LiveSettingsOptions) {
    this.timer = setInterval(() => this.refresh(), options.pollMs ?? 30_000);
    this.timer.unref();
  }

  get settings(): RuntimeSettings {
    return this.current;
  }

  /** Reads the settings and applies them if they changed; resolves once done. Never rejects. */
  refresh(): Promise<void> {
    if (this.reading) {
      this.again = true;
      return this.reading;
    }
    this.reading = (async () => {
      do {
        this.again = false;
        try {
          const stored = await this.options.read();
          if (stored.version === this.version) continue;
          const parsed = runtimeSettingsSchema.safeParse(stored.value);
          if (!parsed.success) {
            this.options.logger.warn('stored settings are not valid; keeping the ones in use', { version: stored.version });
            continue;
          }
          this.version = stored.version;
          this.current = parsed.data;
          await this.options.apply(parsed.data);
        } catch (err) {
          this.options.logger.warn('could not read or apply the runtime settings', { error: String(err) });
        }
      } while (this.again);
    })().finally(() => {
      this.reading = undefined;
    });
    return this.reading;
  }

  close(): void {
    clearInterval(this.timer);
  }
}
