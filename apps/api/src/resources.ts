/**
 * What a composition root opened, closed in reverse order (STYLE rule 4). A failing close is
 * reported and the rest still close.
 */
export class Resources {
  private readonly closers: Array<{ name: string; close: () => Promise<unknown> | unknown }> = [];

  own<T>(name: string, resource: T, close: (resource: T) => Promise<unknown> | unknown): T {
    this.closers.push({ name, close: () => close(resource) });
    return resource;
  }

  async closeAll(onError: (name: string, err: unknown) => void): Promise<void> {
    while (this.closers.length > 0) {
      const { name, close } = this.closers.pop()!;
      try {
        await close();
      } catch (err) {
        onError(name, err);
      }
    }
  }
}
