import { type Logger as BoltLogger, LogLevel } from '@slack/bolt';
import type { Logger } from '../../core/ports/runtime.js';

function describe(parts: unknown[]): string {
  return parts.map((part) => (part instanceof Error ? part.message : typeof part === 'string' ? part : String(part))).join(' ');
}

/**
 * Routes Bolt's and the Web API client's logging into Keycard's logger. Their debug output is dropped
 * on purpose: it includes request bodies, and a DM body can hold a credential.
 */
export function createBoltLogger(log: Logger): BoltLogger {
  let level = LogLevel.INFO;
  return {
    debug: () => {},
    info: (...parts: unknown[]) => log.info({ component: 'slack' }, describe(parts)),
    warn: (...parts: unknown[]) => log.warn({ component: 'slack' }, describe(parts)),
    error: (...parts: unknown[]) => log.error({ component: 'slack' }, describe(parts)),
    setLevel: (next: LogLevel) => {
      level = next;
    },
    getLevel: () => level,
    setName: () => {},
  };
}
