import { createConnection, createServer, type Socket } from 'node:net';

/**
 * A TCP proxy to a real service, for tests that take the network away from one client without
 * touching the service others use: `hold` stops the client's bytes from reaching the service (its
 * connection stays open, the service's bytes still arrive), `cut` drops every connection and
 * refuses new ones, `restore` lets them through again.
 */
export interface TcpProxy {
  /** The proxy's port on 127.0.0.1. */
  port: number;
  /** Connections accepted so far. */
  readonly accepted: number;
  hold(): void;
  cut(): void;
  restore(): void;
  close(): Promise<void>;
}

export async function startTcpProxy(targetPort: number, targetHost = '127.0.0.1'): Promise<TcpProxy> {
  let mode: 'open' | 'held' | 'cut' = 'open';
  let accepted = 0;
  const pairs = new Set<[Socket, Socket]>();
  const server = createServer((client) => {
    if (mode === 'cut') return void client.destroy();
    accepted++;
    const upstream = createConnection(targetPort, targetHost);
    const pair: [Socket, Socket] = [client, upstream];
    pairs.add(pair);
    const end = () => {
      pairs.delete(pair);
      client.destroy();
      upstream.destroy();
    };
    client.on('error', end).on('close', end);
    upstream.on('error', end).on('close', end);
    upstream.on('data', (chunk) => client.write(chunk));
    // Held: what the client sends is dropped, as on a link that stopped carrying it.
    client.on('data', (chunk) => void (mode === 'open' && upstream.write(chunk)));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  const destroyAll = () => {
    for (const [a, b] of pairs) {
      a.destroy();
      b.destroy();
    }
    pairs.clear();
  };
  return {
    port,
    get accepted() {
      return accepted;
    },
    hold: () => void (mode = 'held'),
    cut: () => {
      mode = 'cut';
      destroyAll();
    },
    restore: () => void (mode = 'open'),
    close: () => {
      destroyAll();
      return new Promise((resolve) => server.close(() => resolve()));
    },
  };
}
