import { handleCommand } from '../../core/commands/handle.js';
import { parseRequestId } from '../../core/commands/parse.js';
import { replyText } from '../../core/commands/reply.js';
import { helpText } from '../../core/commands/usage.js';
import { parseDuration } from '../../core/duration.js';
import { acknowledgeAnomaly } from '../../core/lifecycle/activity.js';
import type { CoreDeps } from '../../core/lifecycle/deps.js';
import { retryRevokeNow } from '../../core/lifecycle/manage.js';

export interface ConsoleSessionOptions {
  deps: CoreDeps;
  lines: AsyncIterable<string>;
  write: (line: string) => void;
  /** Echo each input line (scripts read better with the command next to its answer). */
  echo: boolean;
  /** Waits; in production real time passes while the scheduler runs, tests advance a fake clock. */
  sleep: (ms: number) => Promise<void>;
  /** Called after each command, e.g. to redraw an interactive prompt. */
  onIdle?: (user: string | undefined) => void;
  initialUser?: string;
}

const EMAIL_RE = /^[^\s@]+@[^\s@]+$/;

const CONSOLE_HELP = [
  'Console commands:',
  '  as <email>          act as this person (every message below is addressed to someone)',
  '  whoami              who you are acting as',
  '  sleep <duration>    wait, e.g. sleep 20s (scripts use it to let grants expire)',
  '  ack KC-12 [detector] acknowledge an anomaly alert (the Acknowledge button in Slack and Teams)',
  '  retry KC-12         retry a failing revocation now (the Retry now button on a revoke-failure alert)',
  '  quit                leave the console',
  'Everything else is the /access grammar (the leading /access is optional):',
].join('\n');

/** The terminal chat surface: `as <email>` switches the acting user; other lines go to the shared command handler. */
export async function runConsoleSession(options: ConsoleSessionOptions): Promise<void> {
  const { deps, write } = options;
  let user = options.initialUser?.toLowerCase();
  const say = (text: string) => {
    for (const line of text.split('\n')) write(`  -> ${line}`);
  };
  options.onIdle?.(user);
  for await (const raw of options.lines) {
    const line = raw.trim();
    if (options.echo && line) write(`${user ?? 'nobody'}> ${line}`);
    if (!line || line.startsWith('#')) {
      options.onIdle?.(user);
      continue;
    }
    const [word = '', ...rest] = line.split(/\s+/);
    const lower = word.toLowerCase();
    if (lower === 'quit' || lower === 'exit') break;
    if (lower === 'as') {
      const email = rest[0]?.toLowerCase();
      if (!email || !EMAIL_RE.test(email) || rest.length > 1) say('Usage: as <email>, e.g. as alice@example.com');
      else {
        user = email;
        say(`now acting as ${user}`);
      }
    } else if (lower === 'whoami') {
      say(user ? `acting as ${user}` : 'nobody yet: type as <email>');
    } else if (lower === 'sleep') {
      const ms = rest.length === 1 ? parseDuration(rest[0]!) : undefined;
      if (ms === undefined) say('Usage: sleep <duration>, e.g. sleep 20s');
      else await options.sleep(ms);
    } else if (!user && isHelp(line)) {
      // Help needs no identity: a first-time user types it before knowing about `as`.
      say(`${CONSOLE_HELP}\n${helpText(Object.keys(deps.policy().resources))}\n\nStart with: as <your email>, e.g. as alice@example.com`);
    } else if (!user) {
      say('Say who you are first, e.g.: as alice@example.com (type help for every command)');
    } else if (lower === 'ack') {
      say(await acknowledge(deps, user, rest));
    } else if (lower === 'retry') {
      say(await retry(deps, user, rest));
    } else {
      const reply = await handleCommand(deps, { actor: user, text: line, origin: { platform: 'console', user } });
      if (reply.kind === 'help') say(`${CONSOLE_HELP}\n${reply.text}`);
      else say(replyText(reply, deps.clock.now()));
    }
    options.onIdle?.(user);
  }
}

/** `help`, `access help` or `/access help`, in any case. */
function isHelp(line: string): boolean {
  const words = line.toLowerCase().split(/\s+/);
  if (words[0] === '/access' || words[0] === 'access') words.shift();
  return words.length === 1 && words[0] === 'help';
}

/**
 * `ack KC-12 [detector]`: the console's Acknowledge button. It is not part of the shared /access grammar
 * (Slack and Teams acknowledge with a button), so the console parses it itself and calls the same use case.
 */
async function acknowledge(deps: CoreDeps, actor: string, args: string[]): Promise<string> {
  const number = parseRequestId(args[0]);
  const detector = args[1]?.toLowerCase() ?? 'all';
  if (number === undefined || args.length > 2 || !/^[a-z][a-z0-9-]{0,63}$/.test(detector)) {
    return 'Usage: ack KC-12 [detector], e.g. ack KC-12 destructive-sql';
  }
  const result = await acknowledgeAnomaly(deps, { number, actor, detector });
  return result.ok
    ? `Acknowledged KC-${number}'s ${detector === 'all' ? '' : `${detector} `}alert; recorded in the audit log.`
    : result.message;
}

/** `retry KC-12`: the console's Retry now button on a revoke-failure alert (same use case, same checks). */
async function retry(deps: CoreDeps, actor: string, args: string[]): Promise<string> {
  const number = parseRequestId(args[0]);
  if (number === undefined || args.length > 1) return 'Usage: retry KC-12';
  const result = await retryRevokeNow(deps, { number, actor });
  if (!result.ok) return result.message;
  const done = result.value.status === 'revoked' || result.value.status === 'expired';
  return done
    ? `Retried the revocation of KC-${number}: access removed.`
    : `Retried the revocation of KC-${number}; it failed again (${result.value.lastError ?? 'unknown error'}). Keycard keeps retrying.`;
}
