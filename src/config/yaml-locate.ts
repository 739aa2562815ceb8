import { type Document, isAlias, isMap, isNode, isScalar, isSeq, type LineCounter } from 'yaml';

export interface Position {
  line: number;
  column: number;
}

/** The text a mapping key stands for, so `"1": x` and `1: x` both match the path segment "1". */
export function keyText(key: unknown): string {
  if (isScalar(key)) return String(key.value);
  return String(key);
}

function startOf(node: unknown, lineCounter: LineCounter): Position | undefined {
  if (!isNode(node) || node.range == null) return undefined;
  const { line, col } = lineCounter.linePos(node.range[0]);
  return { line, column: col };
}

function resolved(node: unknown, doc: Document): unknown {
  return isAlias(node) ? node.resolve(doc) : node;
}

/**
 * Where the value at `path` is written. A mapping entry points at its key (that is where people look:
 * `maxDuration:`); a list item at the item. A path that does not exist in the file (a missing key)
 * falls back to the nearest parent that does.
 */
export function locatePath(doc: Document, lineCounter: LineCounter, path: readonly PropertyKey[]): Position | undefined {
  let node: unknown = resolved(doc.contents, doc);
  let position = startOf(node, lineCounter);
  for (const segment of path) {
    if (isMap(node)) {
      const pair = node.items.find((item) => keyText(item.key) === String(segment));
      if (pair === undefined) break;
      position = startOf(pair.key, lineCounter) ?? startOf(pair.value, lineCounter) ?? position;
      node = resolved(pair.value, doc);
    } else if (isSeq(node) && typeof segment === 'number') {
      const item: unknown = node.items[segment];
      if (item === undefined) break;
      position = startOf(item, lineCounter) ?? position;
      node = resolved(item, doc);
    } else {
      break;
    }
  }
  return position;
}
