import { z } from 'zod';

type AnySchema = z.core.$ZodType;

/** Strips wrappers that do not change the shape of the value (optional, default, describe, …). */
function unwrap(schema: AnySchema): AnySchema {
  let current = schema;
  for (;;) {
    if (
      current instanceof z.ZodOptional ||
      current instanceof z.ZodNullable ||
      current instanceof z.ZodDefault ||
      current instanceof z.ZodPrefault ||
      current instanceof z.ZodNonOptional ||
      current instanceof z.ZodReadonly ||
      current instanceof z.ZodCatch ||
      current instanceof z.ZodLazy
    ) {
      current = current.unwrap();
    } else if (current instanceof z.ZodPipe) {
      // A transform's input side is what the user writes in the file.
      current = current.in;
    } else {
      return current;
    }
  }
}

/**
 * The schema that validates the value at `path`, or undefined when the path leaves the schema.
 * Used only to improve messages (known keys, "this is a duration"), never to validate.
 */
export function schemaAt(root: AnySchema, path: readonly PropertyKey[]): AnySchema | undefined {
  let current: AnySchema | undefined = root;
  for (const segment of path) {
    if (current === undefined) return undefined;
    const node = unwrap(current);
    if (node instanceof z.ZodObject) current = (node.shape as Record<string, AnySchema>)[String(segment)];
    else if (node instanceof z.ZodRecord) current = node.valueType;
    else if (node instanceof z.ZodArray) current = node.element;
    else return undefined;
  }
  return current;
}

/** Keys an object schema accepts, for "unknown key … (did you mean …)" messages. */
export function knownKeys(schema: AnySchema | undefined): string[] {
  if (schema === undefined) return [];
  const node = unwrap(schema);
  return node instanceof z.ZodObject ? Object.keys(node.shape) : [];
}

/** True when `schema` is `target` under optional/default wrappers (e.g. a prefaulted duration). */
export function isSchema(schema: AnySchema | undefined, target: AnySchema): boolean {
  let current = schema;
  while (current !== undefined) {
    if (current === target) return true;
    const next =
      current instanceof z.ZodOptional || current instanceof z.ZodDefault || current instanceof z.ZodPrefault
        ? current.unwrap()
        : undefined;
    current = next;
  }
  return false;
}
