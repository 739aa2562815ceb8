import type { ChatAdapter } from '../chat/adapter.js';
import type { KeycardConfig } from '../config/env.js';
import type { LifecycleSettings } from '../core/lifecycle/deps.js';
import type { Logger } from '../core/ports/runtime.js';
import { KeycardError } from '../core/result.js';
import { createLogger } from '../logging/create-logger.js';
import { loadEnvironment, loadSettings, StartupError } from '../main.js';
import { checkFlags, type ParsedArgs } from './args.js';
import type { CliIo } from './io.js';
import { runConsole } from './run-console.js';
import { runServer, type ServerHandle } from './run-server.js';

/**
 * Builds the chat adapters the environment configures (Slack, Teams, or both in one process). Each
 * adapter and its SDK (@slack/bolt, botbuilder) is imported only when configured.
 */
export async function createChatAdapters(config: KeycardConfig, log: Logger): Promise<ChatAdapter[]> {
  const adapters: ChatAdapter[] = [];
  try {
    if (config.slack) {
      const { createSlackAdapter } = await import('../chat/slack/index.js');
      adapters.push(createSlackAdapter(config.slack, { log }));
    }
    if (config.teams) {
      const { createTeamsAdapter } = await import('../chat/teams/index.js');
      adapters.push(createTeamsAdapter(config.teams, { log }));
    }
  } catch (error) {
    if (error instanceof KeycardError) throw new StartupError([`Keycard cannot start: ${error.message}`]);
    throw error;
  }
  return adapters;
}

export interface StartOptions {
  http: boolean;
  consoleOnly?: boolean;
  /** Reliability knobs (tests shorten the revoke ladder); production uses the defaults. */
  settings?: Partial<LifecycleSettings>;
  /** Called once the chat server is serving (tests learn its port and shut it down). */
  onServing?: (server: ServerHandle) => void;
}

/** `keycard start` / `keycard console`. */
export async function startCommand(io: CliIo, args: ParsedArgs, options: StartOptions): Promise<number> {
  checkFlags(args, {}, 'Usage: keycard start | keycard console', 0);
  const env = loadEnvironment(io.cwd, io.env);
  const { config } = loadSettings(env, io.cwd);
  const withEnv = { ...io, env };
  const settings = options.settings ? { settings: options.settings } : {};
  if (options.consoleOnly || config.mode === 'console') return runConsole(withEnv, { http: options.http, ...settings });
  const log = createLogger({ level: config.logLevel, pretty: process.stderr.isTTY });
  const server = await runServer(withEnv, await createChatAdapters(config, log), {
    log,
    ...settings,
    ...(options.onServing ? { handleSignals: false } : {}),
  });
  options.onServing?.(server);
  await server.closed;
  return 0;
}
