import { createRequire } from 'node:module';
import { type DestinationStream, type Logger, pino } from 'pino';

/** Paths pino censors wherever they appear (one level of nesting; log ids, not objects, anyway). */
export const REDACT_PATHS = [
  'password',
  'secret',
  'token',
  'credential',
  'connection',
  'authorization',
  '*.password',
  '*.secret',
  '*.token',
  '*.credential',
  '*.connection',
  '*.authorization',
  'req.headers.authorization',
  'req.headers.cookie',
  'req.headers["x-slack-signature"]',
  'req.headers["x-keycard-signature"]',
];

export interface LoggerOptions {
  level: string;
  /** Pretty output for a human at a terminal; JSON otherwise. */
  pretty?: boolean;
  destination?: DestinationStream;
}

function hasPinoPretty(): boolean {
  try {
    createRequire(import.meta.url).resolve('pino-pretty');
    return true;
  } catch {
    return false;
  }
}

/** Logs go to stderr so stdout stays clean for the console and CLI output. */
export function createLogger(options: LoggerOptions): Logger {
  const base = { level: options.level, redact: { paths: REDACT_PATHS, censor: '[REDACTED]' }, base: { app: 'keycard' } };
  if (options.destination) return pino(base, options.destination);
  if (options.pretty && hasPinoPretty()) {
    return pino({ ...base, transport: { target: 'pino-pretty', options: { destination: 2, colorize: true, ignore: 'pid,hostname,app' } } });
  }
  return pino(base, pino.destination(2));
}

/** Removes user:password@ from URLs before they reach a log line or an error message. */
export function stripUrlCredentials(text: string): string {
  return text.replace(/(\b[a-z][a-z0-9+.-]*:\/\/)[^/\s:@]+(?::[^/\s@]*)?@/gi, '$1***@');
}
