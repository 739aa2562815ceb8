import type { Document, LineCounter } from 'yaml';
import type { z } from 'zod';
import { durationSchema } from '../core/policy/schema.js';
import { didYouMean } from './did-you-mean.js';
import { formatPath, type PolicyError } from './policy-errors.js';
import { locatePath } from './yaml-locate.js';
import { isSchema, knownKeys, schemaAt } from './zod-schema-walk.js';

export interface IssueContext {
  file: string;
  doc: Document;
  lineCounter: LineCounter;
  /** The schema that produced the issues; used to list the keys it accepts. */
  schema: z.core.$ZodType;
  /** Where that schema's value sits in the policy, e.g. `['resources', 'prod-db', 'config']` for a provider schema. */
  prefix?: readonly PropertyKey[];
  /** Who owns the schema, for messages such as "the demo provider takes no settings here". */
  owner?: string;
}

/** Values under these keys may be secrets; they are never repeated back in an error message. */
const SENSITIVE_KEY =
  /(secret|password|passwd|token|credentials?|connection|connection[-_]?(string|url|uri)|dsn|private[-_]?key|api[-_]?key)$/i;
const ECHO_CODES = new Set(['invalid_format', 'invalid_value', 'too_small', 'too_big']);

/** Turns zod issues into located, human policy errors (one per unknown key). */
export function issuesToPolicyErrors(issues: readonly z.core.$ZodIssue[], context: IssueContext): PolicyError[] {
  const prefix = context.prefix ?? [];
  return issues.flatMap((issue): PolicyError[] => {
    const path = [...prefix, ...issue.path];
    if (issue.code === 'unrecognized_keys') {
      const known = knownKeys(schemaAt(context.schema, issue.path));
      return issue.keys.map((key) => locate(context, [...path, key], path, unknownKeyMessage(key, known, context.owner)));
    }
    if (issue.code === 'invalid_key') {
      const key = String(path[path.length - 1]);
      const inner = issue.issues[0]?.message ?? issue.message;
      const message = inner.startsWith('must') ? `"${key}" ${inner}` : `"${key}" is not a valid name: ${inner}`;
      return [locate(context, path, path.slice(0, -1), message)];
    }
    return [locate(context, path, path, messageFor(issue, context))];
  });
}

function messageFor(issue: z.core.$ZodIssue, context: IssueContext): string {
  const input = issue.input;
  if (issue.code === 'invalid_type' && typeof input === 'number' && isSchema(schemaAt(context.schema, issue.path), durationSchema)) {
    return `must be a duration with a unit, e.g. "30m" (${input} has none)`;
  }
  const echo = echoable(issue, input);
  if (echo === undefined) return issue.message;
  return issue.message.startsWith('is ') ? `${echo} ${issue.message}` : `${issue.message} (got ${echo})`;
}

/** The offending value quoted for the message, when it is short, scalar and not possibly a secret. */
function echoable(issue: z.core.$ZodIssue, input: unknown): string | undefined {
  if (!ECHO_CODES.has(issue.code)) return undefined;
  if (typeof input !== 'string' && typeof input !== 'number' && typeof input !== 'boolean') return undefined;
  if (issue.path.some((segment) => typeof segment === 'string' && SENSITIVE_KEY.test(segment))) return undefined;
  const text = JSON.stringify(input);
  if (text.length > 60 || issue.message.includes(text)) return undefined;
  return text;
}

function unknownKeyMessage(key: string, known: string[], owner: string | undefined): string {
  const base = `unknown key "${key}"`;
  const suggestion = didYouMean(key, known);
  if (suggestion !== undefined) return `${base} (did you mean "${suggestion}"?)`;
  if (known.length === 0) return owner === undefined ? base : `${base} (${owner} takes no settings here)`;
  return `${base} (${owner === undefined ? 'allowed' : `${owner} accepts`}: ${known.join(', ')})`;
}

function locate(context: IssueContext, where: readonly PropertyKey[], path: readonly PropertyKey[], message: string): PolicyError {
  const position = locatePath(context.doc, context.lineCounter, where);
  return { file: context.file, line: position?.line, column: position?.column, path: formatPath(path), message };
}
