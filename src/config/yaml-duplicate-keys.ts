import { type Document, isMap, isNode, isSeq, type LineCounter } from 'yaml';
import type { PolicyPath } from './policy-errors.js';
import { keyText } from './yaml-locate.js';

export interface DuplicateKey {
  /** Path of the mapping holding the repeated key. */
  path: PolicyPath;
  key: string;
  line: number;
  column: number;
  firstLine: number;
}

/**
 * Finds keys written twice in one mapping. The parser's own check only says "Map keys must be unique";
 * walking the tree ourselves lets the message name the key, its mapping and where it first appeared.
 */
export function findDuplicateKeys(doc: Document, lineCounter: LineCounter): DuplicateKey[] {
  const found: DuplicateKey[] = [];
  const visit = (node: unknown, path: PropertyKey[]): void => {
    if (isMap(node)) {
      const firstLines = new Map<string, number>();
      for (const pair of node.items) {
        const key = keyText(pair.key);
        const start = isNode(pair.key) && pair.key.range ? lineCounter.linePos(pair.key.range[0]) : undefined;
        const first = firstLines.get(key);
        if (first !== undefined && start !== undefined) {
          found.push({ path, key, line: start.line, column: start.col, firstLine: first });
        } else if (start !== undefined) {
          firstLines.set(key, start.line);
        }
        visit(pair.value, [...path, key]);
      }
    } else if (isSeq(node)) {
      node.items.forEach((item, index) => {
        visit(item, [...path, index]);
      });
    }
  };
  visit(doc.contents, []);
  return found;
}
