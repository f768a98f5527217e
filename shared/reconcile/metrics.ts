/**
 * Reporting as CloudWatch metrics, once for every function: Powertools single metrics in the
 * embedded metric format. Kept apart from the fleet runner so the CLI, which runs the same
 * orchestration, never loads the metrics package.
 */
import type { Metrics } from '@aws-lambda-powertools/metrics';
import { MetricUnit } from '@aws-lambda-powertools/metrics';

/** What a function publishes metrics through: the Powertools `Metrics` is one. */
export type MetricsSink = Pick<Metrics, 'singleMetric'>;

/**
 * Publishes each count as its own metric with exactly `dimensions` (none for an account-wide
 * metric): a single metric is flushed as soon as it is added, with the dimensions set before it.
 *
 * @example
 * publishCounts(metrics, { Cluster: 'kianax' }, [['DriftedFields', 2], ['Drifted', 1]]);
 */
export function publishCounts(
  metrics: MetricsSink | undefined,
  dimensions: Readonly<Record<string, string>>,
  counts: Iterable<readonly [string, number]>,
): void {
  if (!metrics) return;
  for (const [name, value] of counts) {
    const metric = metrics.singleMetric();
    for (const [dimension, dimensionValue] of Object.entries(dimensions)) metric.addDimension(dimension, dimensionValue);
    metric.addMetric(name, MetricUnit.Count, value);
  }
}
