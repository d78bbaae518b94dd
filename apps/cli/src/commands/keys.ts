import type { Command } from 'commander';
import type { Context } from '../context';
import { table } from '../output';

const list = (value: string) => value.split(',').map((s) => s.trim()).filter(Boolean);

/** `baton keys create|list|delete` (admin). */
export function keyCommands(program: Command, context: () => Context): void {
  const keys = program.command('keys').description('API keys (admin)');
  keys.command('create').description('create a key; it is shown this once')
    .requiredOption('--name <name>', 'what the key is for')
    .requiredOption('--role <role>', 'admin, operator, submitter or viewer')
    .option('--agents <a,b>', 'the only agents its runs may use')
    .option('--tenant <tenant>', 'its tenant (default: yours)')
    .option('--rate-limit <n>', 'requests per minute')
    .action(async (options: { name: string; role: string; agents?: string; tenant?: string; rateLimit?: string }) => {
      const { client, out } = context();
      const created = await client.apiKeys.create({
        name: options.name, role: options.role as never,
        ...(options.agents === undefined ? {} : { agents: list(options.agents) }),
        ...(options.tenant === undefined ? {} : { tenant: options.tenant }),
        ...(options.rateLimit === undefined ? {} : { rateLimitPerMinute: Number(options.rateLimit) }),
      });
      if (out.json) return out.data(created);
      out.line(`key ${created.id} created; store it now, it is not shown again:`);
      out.line(created.key);
    });
  keys.command('list').description('the keys of your tenant, without secrets').action(async () => {
    const { client, out } = context();
    const items = await client.apiKeys.list();
    if (out.json) return out.data({ items });
    if (items.length === 0) return out.line('no keys');
    const rows = items.map((k) => {
      const key = k as Record<string, unknown>;
      return [String(key.id), String(key.name), String(key.role), Array.isArray(key.agents) ? key.agents.join(',') : '', String(key.createdAt ?? '')];
    });
    for (const line of table([['ID', 'NAME', 'ROLE', 'AGENTS', 'CREATED'].map((h) => out.paint('bold', h)), ...rows])) out.line(line);
  });
  keys.command('delete <id>').description('delete a key: it stops working at once').action(async (id: string) => {
    const { client, out } = context();
    await client.apiKeys.delete(id);
    if (out.json) out.data({ id, deleted: true });
    else out.line(`key ${id} deleted`);
  });
}
