import type { z } from 'zod';

/** Names a policy-file value type the way an operator writing YAML thinks of it. */
export function describeExpected(expected: string): string {
  switch (expected) {
    case 'string':
      return 'text';
    case 'number':
      return 'a number';
    case 'int':
      return 'a whole number';
    case 'boolean':
      return 'true or false';
    case 'object':
    case 'record':
      return 'a mapping (key: value)';
    case 'array':
      return 'a list';
    default:
      return expected;
  }
}

export function describeInput(input: unknown): string {
  if (Array.isArray(input)) return 'a list';
  if (input === null) return 'empty';
  switch (typeof input) {
    case 'string':
      return 'text';
    case 'number':
      return 'a number';
    case 'boolean':
      return input ? 'true' : 'false';
    case 'object':
      return 'a mapping';
    default:
      return typeof input;
  }
}

const NAME_PATTERN = '[a-z][a-z0-9-]{0,62}';
const YAML_11_BOOLEANS = new Set(['yes', 'no', 'on', 'off', 'y', 'n', 'true', 'false']);

/**
 * Error map for zod parses of policy input. zod's defaults ("expected record, received array") talk
 * in TypeScript types; these talk in YAML. Schema-level messages (durations, env refs) take precedence.
 */
export const policyErrorMap: z.core.$ZodErrorMap = (issue) => {
  switch (issue.code) {
    case 'invalid_type': {
      const input = issue.input;
      if (input === undefined) return 'is required';
      if (input === null) return 'is empty: give it a value, or remove the line to use the default';
      if (issue.expected === 'int' && typeof input === 'number') return 'must be a whole number';
      if (issue.expected === 'boolean' && typeof input === 'string' && YAML_11_BOOLEANS.has(input.toLowerCase())) {
        return `must be true or false (unquoted; "${input}" is read as text)`;
      }
      return `must be ${describeExpected(issue.expected)}, not ${describeInput(input)}`;
    }
    case 'invalid_value':
      if (issue.input === undefined) {
        return issue.values.length === 1 ? 'is required' : `is required (one of ${issue.values.map(String).join(', ')})`;
      }
      return issue.values.length === 1
        ? `must be ${JSON.stringify(issue.values[0])}`
        : `must be one of ${issue.values.map(String).join(', ')}`;
    case 'too_small': {
      const min = String(issue.minimum);
      if (issue.origin === 'array') return `needs at least ${min} item${min === '1' ? '' : 's'}`;
      if (issue.origin === 'string') return min === '1' ? 'must not be empty' : `must be at least ${min} characters`;
      return issue.inclusive === false ? `must be more than ${min}` : `must be at least ${min}`;
    }
    case 'too_big': {
      const max = String(issue.maximum);
      if (issue.origin === 'array') return `may have at most ${max} items`;
      if (issue.origin === 'string') return `must be at most ${max} characters`;
      return issue.inclusive === false ? `must be less than ${max}` : `must be at most ${max}`;
    }
    case 'invalid_format':
      if (issue.format === 'regex' && String(issue.pattern).includes(NAME_PATTERN)) {
        return 'must be lowercase letters, digits and dashes, starting with a letter';
      }
      return issue.format === 'regex' ? `must match ${String(issue.pattern)}` : `must be a valid ${issue.format}`;
    case 'not_multiple_of':
      return `must be a multiple of ${String(issue.divisor)}`;
    case 'invalid_union':
      return 'does not match any of the accepted forms';
    case 'invalid_key':
      return 'is not a valid key';
    default:
      return undefined;
  }
};
