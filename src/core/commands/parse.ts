import { parseDuration } from '../duration.js';
import { ownEntry } from '../policy/own-entry.js';
import { isIncidentKey, notAnIncidentKey } from '../risk/incident.js';
import { isDurationShaped, notADuration } from './duration-token.js';
import { LEVEL_WORDS, mistypedLevel } from './mistyped-level.js';
import { closest } from './suggest.js';
import type { Catalog, Command, ParseResult } from './types.js';
import { REQUEST_USAGE, USAGE } from './usage.js';

const ID_RE = /^(?:#|kc-)?(\d{1,9})$/i;
const SUBCOMMANDS = new Set(['help', 'list', 'status', 'release', 'revoke', 'cancel', 'extend', 'approve', 'deny', 'review', 'retry']);
const MAX_REASON = 1000;

function fail(message: string, usageKey: string): ParseResult {
  return { ok: false, message, usage: USAGE[usageKey] ?? REQUEST_USAGE };
}

function done(command: Command): ParseResult {
  return { ok: true, command };
}

/** Parses a request id like `KC-42`, `kc-42`, `#42` or `42`. */
export function parseRequestId(token: string | undefined): number | undefined {
  if (token === undefined) return undefined;
  const match = ID_RE.exec(token.trim());
  return match ? Number(match[1]) : undefined;
}

/**
 * Parses `/access …` text (the leading `/access` or `access` is optional).
 * Never throws: every malformed input comes back as a specific message with usage.
 */
export function parseCommand(text: string, catalog: Catalog): ParseResult {
  const tokens = text.trim().split(/\s+/).filter(Boolean);
  if (tokens[0] === '/access' || tokens[0]?.toLowerCase() === 'access') tokens.shift();
  const head = tokens[0]?.toLowerCase();
  if (head === undefined) {
    return fail('Tell me what you need: a resource, optionally a duration and level, and a reason.', 'request');
  }
  if (SUBCOMMANDS.has(head)) return parseSubcommand(head, tokens.slice(1));
  return parseRequest(tokens, catalog);
}

function parseSubcommand(name: string, args: string[]): ParseResult {
  if (name === 'help') return done({ kind: 'help' });
  if (name === 'list') {
    return args.length === 0 ? done({ kind: 'list' }) : fail(`"list" takes no arguments (got "${args.join(' ')}").`, 'list');
  }
  const number = parseRequestId(args[0]);
  if (number === undefined) {
    return fail(
      args[0] === undefined
        ? `"${name}" needs a request id such as KC-42.`
        : `"${args[0]}" is not a request id (expected something like KC-42).`,
      name,
    );
  }
  const rest = args.slice(1).join(' ');
  if (rest.length > MAX_REASON) return fail(`That text is too long (${rest.length} characters; at most ${MAX_REASON}).`, name);
  switch (name) {
    case 'status':
      return done({ kind: 'status', number });
    case 'cancel':
      return done({ kind: 'cancel', number });
    case 'release':
      return done({ kind: 'release', number, reason: rest });
    case 'approve':
      return done({ kind: 'approve', number, comment: rest });
    case 'review':
      return done({ kind: 'review', number, comment: rest });
    case 'retry':
      return rest ? fail(`"retry" takes only a request id (got "${rest}").`, 'retry') : done({ kind: 'retry', number });
    case 'revoke':
      return rest ? done({ kind: 'revoke', number, reason: rest }) : fail('Say why you are revoking it.', 'revoke');
    case 'deny':
      return rest
        ? done({ kind: 'deny', number, reason: rest })
        : fail('A denial needs a reason, so the requester knows what to change.', 'deny');
    case 'extend': {
      const token = args[1];
      const durationMs = token === undefined ? undefined : parseDuration(token);
      if (durationMs === undefined) {
        return fail(token === undefined ? 'How much longer? e.g. /access extend KC-42 30m' : notADuration(token), 'extend');
      }
      return done({ kind: 'extend', number, durationMs, reason: args.slice(2).join(' ') });
    }
    default:
      return fail(`Unknown command "${name}".`, 'help');
  }
}

function parseRequest(tokens: string[], catalog: Catalog): ParseResult {
  const flags = extractFlags(tokens, catalog.incidentKeyPattern);
  if (!flags.ok) return flags.result;
  const [rawResource, ...rest] = flags.tokens;
  const resourceName = rawResource?.toLowerCase() ?? '';
  const names = Object.keys(catalog.resources);
  const resource = ownEntry(catalog.resources, resourceName);
  if (!resource) {
    const guess = closest(resourceName, names);
    const hint = guess ? ` Did you mean "${guess}"?` : '';
    return fail(`Unknown resource "${rawResource ?? ''}".${hint} Available: ${names.join(', ') || '(none)'}.`, 'request');
  }
  let durationMs: number | undefined;
  let durationText: string | undefined;
  let level: string | undefined;
  const levelWords = [...new Set([...Object.values(catalog.resources).flatMap((r) => r.levels), ...LEVEL_WORDS])];
  // Duration and level may come in either order right after the resource. A token there that is neither
  // starts the reason, unless it was very probably meant as one of them: that is refused, not guessed.
  while (rest.length > 0) {
    const token = rest[0]!;
    const lower = token.toLowerCase();
    if (durationMs === undefined && isDurationShaped(token)) {
      const parsed = parseDuration(token);
      if (parsed === undefined) return fail(notADuration(token), 'request');
      durationMs = parsed;
      durationText = lower;
      rest.shift();
    } else if (level === undefined && resource.levels.includes(lower)) {
      level = lower;
      rest.shift();
    } else if (level === undefined) {
      const problem = levelProblem(lower, resourceName, resource.levels, levelWords, durationText);
      if (problem) return fail(problem, 'request');
      break;
    } else {
      break;
    }
  }
  const reason = rest.join(' ').trim();
  if (!reason) {
    return fail(
      `Say why you need access, e.g. /access ${resourceName} 30m ${resource.levels[0] ?? 'read'} fix stuck order INC-4211`,
      'request',
    );
  }
  if (reason.length > MAX_REASON) return fail(`The reason is too long (${reason.length} characters; at most ${MAX_REASON}).`, 'request');
  const command: Command = { kind: 'request', resource: resourceName, reason, breakGlass: flags.breakGlass };
  if (durationMs !== undefined) command.durationMs = durationMs;
  if (durationText !== undefined) command.durationText = durationText;
  if (level !== undefined) command.level = level;
  if (flags.incidentKey !== undefined) command.incidentKey = flags.incidentKey;
  return done(command);
}

/**
 * Why `word`, in the level position, was very probably meant as a level: the name of a level this resource
 * lacks, or a mistyping of a level name. Undefined when it may start a reason. The way out is the same for a
 * reason that really starts with such a word: after an explicit level, every word is the reason's.
 */
function levelProblem(word: string, resource: string, levels: string[], levelWords: string[], durationText?: string): string | undefined {
  const offered = `(levels: ${levels.join(', ')})`;
  const meant = levelWords.includes(word) ? word : mistypedLevel(word, levelWords);
  if (meant === undefined) return undefined;
  let problem: string;
  if (meant === word) problem = `${resource} has no "${word}" level ${offered}.`;
  else if (levels.includes(meant)) problem = `"${word}" is not a level of ${resource} ${offered}; did you mean "${meant}"?`;
  else problem = `"${word}" looks like "${meant}", which is not a level of ${resource} ${offered}.`;
  const example = [resource, durationText, levels.includes(meant) ? meant : levels[0]].filter(Boolean).join(' ');
  return `${problem} Name the level before the reason, e.g. /access ${example} …`;
}

type FlagResult = { ok: true; tokens: string[]; breakGlass: boolean; incidentKey?: string } | { ok: false; result: ParseResult };

function extractFlags(tokens: string[], incidentKeyPattern: string): FlagResult {
  const kept: string[] = [];
  let breakGlass = false;
  let incidentKey: string | undefined;
  for (let i = 0; i < tokens.length; i += 1) {
    const token = tokens[i]!;
    if (!token.startsWith('--')) {
      kept.push(token);
      continue;
    }
    const [flag, inline] = token.split('=', 2) as [string, string | undefined];
    if (flag === '--break-glass') {
      breakGlass = true;
    } else if (flag === '--incident') {
      const value = inline ?? tokens[i + 1];
      if (inline === undefined) i += 1;
      if (!value || value.startsWith('--'))
        return { ok: false, result: fail('--incident needs an incident key, e.g. --incident INC-4211', 'request') };
      if (!isIncidentKey(value, incidentKeyPattern))
        return { ok: false, result: fail(`${notAnIncidentKey(`--incident ${value}`, incidentKeyPattern)}.`, 'request') };
      incidentKey = value.toUpperCase();
    } else {
      return { ok: false, result: fail(`Unknown option "${flag}" (options: --incident KEY, --break-glass).`, 'request') };
    }
  }
  const result: FlagResult = { ok: true, tokens: kept, breakGlass };
  if (incidentKey !== undefined) result.incidentKey = incidentKey;
  return result;
}
