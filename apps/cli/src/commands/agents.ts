import type { Command } from 'commander';
import type { Context } from '../context';
import { table } from '../output';

/** `baton agents` (list), `baton agents pause|resume <name>` (admins; fleet-wide). */
export function agentCommands(program: Command, context: () => Context): void {
  const agents = program.command('agents').description('the agents workers serve; pause or resume one for the whole fleet (admins)');
  agents.command('list', { isDefault: true }).description('the agents live workers serve (the default)').action(async () => {
    const { client, out } = context();
    const items = await client.agents();
    if (out.json) return out.data({ items });
    if (items.length === 0) return out.line('no agents');
    const rows = items.map((a) => [a.name, String(a.workers), a.lastSeenAt ?? '',
      a.paused ? out.paint('yellow', `paused by ${a.paused.by} at ${a.paused.at}${a.paused.reason ? ` (${a.paused.reason})` : ''}`) : '']);
    for (const line of table([['NAME', 'WORKERS', 'LAST SEEN', 'PAUSED'].map((h) => out.paint('bold', h)), ...rows])) out.line(line);
  });
  agents.command('pause <name>').description('no worker takes a new step of the agent, for every tenant; running ones finish')
    .action(async (name: string) => {
      const { client, out } = context();
      const answer = await client.pauseAgent(name);
      if (out.json) out.data(answer);
      else out.line(`agent ${answer.name} ${out.paint('yellow', 'paused')}`);
    });
  agents.command('resume <name>').description('resume an agent paused by hand or by the auto-pause')
    .action(async (name: string) => {
      const { client, out } = context();
      const answer = await client.resumeAgent(name);
      if (out.json) out.data(answer);
      else out.line(`agent ${answer.name} ${out.paint('green', 'resumed')}`);
    });
}
