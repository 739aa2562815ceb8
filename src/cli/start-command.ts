import { loadEnvironment, loadSettings } from '../main.js';
import { checkFlags, type ParsedArgs } from './args.js';
import type { CliIo } from './io.js';
import { runConsole } from './run-console.js';

/** `keycard start` / `keycard console`. */
export async function startCommand(io: CliIo, args: ParsedArgs, options: { http: boolean; consoleOnly?: boolean }): Promise<number> {
  checkFlags(args, [], 'Usage: keycard start | keycard console');
  const env = loadEnvironment(io.cwd, io.env);
  const { config } = loadSettings(env, io.cwd);
  const withEnv = { ...io, env };
  if (options.consoleOnly || config.mode === 'console') return runConsole(withEnv, { http: options.http });
  io.err(
    'Slack and Teams adapters are not part of this build yet; unset SLACK_* and MICROSOFT_APP_* to use the console, or run "keycard console".',
  );
  return 1;
}
