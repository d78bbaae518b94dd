import { Command } from 'commander';
import { agentCommands } from './commands/agents';
import { keyCommands } from './commands/keys';
import { operateCommands } from './commands/operate';
import { runCommand } from './commands/run';
import { runCommands } from './commands/runs';
import { templateCommands } from './commands/templates';
import { createContext, type Context } from './context';

/** The `baton` command line: the api from BATON_URL and BATON_API_KEY, or ~/.config/baton/config.json. */
export function createProgram(env: Record<string, string | undefined>): Command {
  const program = new Command('baton')
    .description('Baton from the command line: submit, follow and operate runs; templates, agents, keys.\nThe api: BATON_URL and BATON_API_KEY, or $XDG_CONFIG_HOME/baton/config.json ({ "url", "apiKey" }).')
    .option('--json', 'answers as JSON, for scripts')
    .showHelpAfterError();
  let context: Context | undefined;
  const contextOf = () => (context ??= createContext({ json: program.opts<{ json?: boolean }>().json === true }, env));
  runCommand(program, contextOf);
  runCommands(program, contextOf);
  operateCommands(program, contextOf);
  templateCommands(program, contextOf);
  agentCommands(program, contextOf);
  keyCommands(program, contextOf);
  return program;
}
