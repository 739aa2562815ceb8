/** Time, ids and logging are passed in; core never reads a global clock or logger. */
export interface Clock {
  now(): Date;
}

export interface IdSource {
  uuid(): string;
}

type LogFn = {
  (message: string): void;
  (fields: Record<string, unknown>, message?: string): void;
};

/** The subset of pino that core uses. Log ids and outcomes, never objects that may hold secrets. */
export interface Logger {
  debug: LogFn;
  info: LogFn;
  warn: LogFn;
  error: LogFn;
}

export const silentLogger: Logger = {
  debug: () => {},
  info: () => {},
  warn: () => {},
  error: () => {},
};
