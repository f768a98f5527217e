/**
 * The fleet runner and the reporting every reconciling function shares: clusters run with bounded
 * concurrency, a cluster whose run throws is reported (InProgress when the failure is transient,
 * else Blocked) while the others carry on; a report is finished with its status, its summary and
 * one log line. Metrics: ./metrics.ts.
 */
import { mapBounded } from '../concurrency';
import { errorFacts, errorText } from '../errors';
import type { ClusterSpec } from '../model/cluster-spec/schema';
import type { RunLogger } from './run-logger';
import type { Mode, Status } from './status';
import { statusOfFailure } from './status';

/** What every cluster report carries first. */
export interface ReportHead {
  cluster: string;
  region: string;
  /** The spec file the cluster came from. */
  source?: string;
  mode: Mode;
  status: Status;
  /** One line a person reads first. */
  summary: string;
}

/** One cluster of a fleet run: its spec, the file it came from, the mode it runs in. */
export interface FleetItem {
  spec: ClusterSpec;
  file?: string;
  mode: Mode;
}

/** How many clusters a fleet run reconciles at once, unless told otherwise. */
export const FLEET_CONCURRENCY = 4;

export interface FleetOptions<I extends FleetItem, R> {
  /** Reconciles one cluster. */
  run(item: I): Promise<R>;
  /** The report of a cluster whose run threw: `head` (its status and summary set) and the function's empty fields. */
  failed(head: ReportHead, item: I): R;
  logger: RunLogger;
  /** The message of the error line for a run that threw (`cluster run failed`). */
  failure: string;
  concurrency?: number;
}

/**
 * Reconciles `items` with at most `concurrency` clusters in flight, reports in input order. A run
 * that throws becomes that cluster's report: `run failed: <error>`, InProgress when transient, else
 * Blocked, logged once; the others carry on.
 *
 * @example
 * const reports = await runFleet(items, { run: (item) => reconcileCluster(item.spec, deps, item), failed: (head) => ({ ...head, drift: [] }), logger,
 * failure: 'cluster run failed' });
 */
export async function runFleet<I extends FleetItem, R>(items: readonly I[], options: FleetOptions<I, R>): Promise<R[]> {
  return mapBounded(items, options.concurrency ?? FLEET_CONCURRENCY, async (item): Promise<R> => {
    try {
      return await options.run(item);
    } catch (error) {
      const { spec, file, mode } = item;
      const status = statusOfFailure(error);
      options.logger.error(options.failure, { cluster: spec.name, region: spec.region, status, error: errorFacts(error) });
      return options.failed(
        { cluster: spec.name, region: spec.region, ...(file ? { source: file } : {}), mode, status, summary: `run failed: ${errorText(error)}` },
        item,
      );
    }
  });
}

/**
 * Sets the report's status and summary and logs it once under `message`: a warning when Blocked.
 *
 * @example
 * return finishReport(report, 'Drifted', `drift: ${drift.join(', ')}`, logger, 'cluster reconciled');
 */
export function finishReport<R extends ReportHead & { executed: readonly unknown[] }>(
  report: R,
  status: Status,
  summary: string,
  logger: RunLogger,
  message: string,
): R {
  report.status = status;
  report.summary = summary;
  const facts = { cluster: report.cluster, region: report.region, mode: report.mode, status, summary, executed: report.executed.length };
  if (status === 'Blocked') logger.warn(message, facts);
  else logger.info(message, facts);
  return report;
}
