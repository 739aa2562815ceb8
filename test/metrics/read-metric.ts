import type { Registry } from 'prom-client';

type Labels = Record<string, string>;

/**
 * One sample's value from a registry (collect callbacks run, as on a scrape). Histograms: pass the
 * sample name (`…_count`, `…_sum`). Returns undefined when the series does not exist.
 */
export async function sampleOf(registry: Registry, metric: string, labels: Labels = {}, sample = metric): Promise<number | undefined> {
  const found = registry.getSingleMetric(metric);
  if (!found) throw new Error(`no metric ${metric}`);
  // Histogram samples carry their own name (`…_bucket`, `…_sum`, `…_count`); the type omits it.
  const values = (await found.get()).values as Array<{
    value: number;
    labels: Record<string, string | number | undefined>;
    metricName?: string;
  }>;
  const match = values.find(
    (v) =>
      (v.metricName ?? metric) === sample &&
      Object.keys(labels).length === Object.keys(v.labels).filter((k) => k !== 'le').length &&
      Object.entries(labels).every(([k, value]) => String(v.labels[k]) === value),
  );
  return match?.value;
}
