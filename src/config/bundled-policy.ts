import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const BUNDLED_POLICY = join('manifests', 'policy.example.yaml');

/** This module's folder: src/config under tsx, dist/config after tsc; both sit two levels below the package root. */
export const MODULE_DIR = dirname(fileURLToPath(import.meta.url));

/**
 * Finds the example policy that ships in the package by walking up from `startDir`, so it is found
 * from src/ (tsx), from dist/ (built) and from node_modules/keycard/dist (installed) alike.
 */
export function findBundledPolicy(startDir: string = MODULE_DIR, fileExists: (path: string) => boolean = existsSync): string | undefined {
  let dir = startDir;
  for (;;) {
    const candidate = join(dir, BUNDLED_POLICY);
    if (fileExists(candidate)) return candidate;
    const parent = dirname(dir);
    if (parent === dir) return undefined;
    dir = parent;
  }
}
