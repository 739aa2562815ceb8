import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { createKeycardMetrics } from '../../src/metrics/index.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '../..');

describe('docs/operations.md', () => {
  const docs = readFileSync(join(root, 'docs/operations.md'), 'utf8');

  it('documents every Keycard metric with its type and labels', () => {
    const metrics = createKeycardMetrics({ processMetrics: false });
    const registered = metrics.registry.getMetricsAsArray();
    expect(registered.length).toBeGreaterThan(10);
    for (const metric of registered) {
      const { name, type } = metric;
      const row = docs.split('\n').find((line) => line.startsWith(`| \`${name}\` |`));
      expect(row, `${name} in the metrics table`).toBeDefined();
      expect(row!.split('|')[2]!.trim(), `${name} type`).toBe(String(type));
      // prom-client keeps the label names on the metric object; its types do not declare them.
      const labels = (metric as unknown as { labelNames: string[] }).labelNames;
      for (const label of labels) expect(row, `${name} label ${label}`).toContain(`\`${label}\``);
    }
  });
});
