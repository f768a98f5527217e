/**
 * What the eip-manager tests share: an inline spec with pools, the financial-move cluster (as the
 * node-attachment fixture and as the example), an in-memory allow-list store and recording deps
 * around a FakeEc2.
 */
import path from 'node:path';
import type { AllowListStore } from '../shared/ports/allow-list';
import type { EipClusterReport, EipDeps, ReconcilePoolsOptions } from '../functions/eip-manager/run';
import type { RunLogger } from '../shared/reconcile/run-logger';
import { reconcilePools } from '../functions/eip-manager/run';
import { loadSpecs } from '../shared/model/cluster-spec/load';
import type { ClusterSpec } from '../shared/model/cluster-spec/schema';
import type { FakeEc2, FakeEc2Call } from './fake-ec2';
import type { FakeLeases } from './fake-lease';
import { minimalSpecYaml, parseSpecOrThrow } from './specs';

export const NOW = new Date('2026-11-22T12:00:00Z');
export const EXAMPLES = path.join(__dirname, '../examples');
/**
 * financial-move with its egress pool on the prod-ng nodes (tests/fixtures/financial-move-nodes),
 * as the example was before the pool moved to the NAT gateway: what the node-attachment tests run.
 */
export const FINANCIAL_MOVE = path.join(__dirname, '../tests/fixtures/financial-move-nodes');
/** The example itself, its egress pool on the NAT gateway. */
export const FINANCIAL_MOVE_EXAMPLE = path.join(EXAMPLES, 'financial-move');

const BASE = `\n${minimalSpecYaml({ name: 'payments', region: 'sa-east-1', nodeGroups: [{ name: 'prod-ng', min: 2, max: 4 }] })}`;

/** The `payments` cluster with these pools (YAML list items, indented two spaces). */
export function specWith(pools: string): ClusterSpec {
  return parseSpecOrThrow(`${BASE}elasticIpPools:\n${pools}`);
}

/** The node-attachment fixture's spec ({@link FINANCIAL_MOVE}), or the example's with `example`. */
export async function financialMove(which: 'nodes' | 'example' = 'nodes'): Promise<ClusterSpec> {
  const [loaded] = await loadSpecs([path.join(which === 'nodes' ? FINANCIAL_MOVE : FINANCIAL_MOVE_EXAMPLE, 'cluster.yaml')]);
  if (!loaded) throw new Error('no financial-move spec');
  return loaded.spec;
}

/** SSM as a map, counting writes. */
export class MemoryAllowList implements AllowListStore {
  readonly values = new Map<string, string>();
  writes = 0;

  read(name: string): Promise<string | null> {
    return Promise.resolve(this.values.get(name) ?? null);
  }

  write(name: string, value: string): Promise<void> {
    this.writes += 1;
    this.values.set(name, value);
    return Promise.resolve();
  }

  /** The public IPs published for a parameter. */
  publicIps(name: string): string[] {
    const value = this.values.get(name);
    return value === undefined ? [] : (JSON.parse(value) as { publicIps: string[] }).publicIps;
  }
}

export interface LogEntry {
  level: 'info' | 'warn' | 'error';
  message: string;
  facts: Record<string, unknown>;
}

export type TestDeps = EipDeps & { logs: LogEntry[]; store: MemoryAllowList; clock: { now: Date } };

/** Deps around a FakeEc2; with `leases`, apply takes the pools' leases there, as run `runId`. */
export function depsFor(
  ec2: FakeEc2,
  now: Date = NOW,
  options: { leases?: FakeLeases; runId?: string; store?: MemoryAllowList; clock?: { now: Date } } = {},
): TestDeps {
  const logs: LogEntry[] = [];
  const record =
    (level: LogEntry['level']) =>
    (message: string, facts: Record<string, unknown>): void => {
      logs.push({ level, message, facts });
    };
  const logger: RunLogger = { info: record('info'), warn: record('warn'), error: record('error') };
  const clock = options.clock ?? { now };
  const store = options.store ?? new MemoryAllowList();
  const { leases, runId } = options;
  return {
    ec2For: () => ec2,
    allowList: store,
    now: () => clock.now,
    logger,
    logs,
    store,
    clock,
    ...(leases === undefined ? {} : { leaseFor: () => leases, holder: `test ${runId ?? 'run'}` }),
    ...(runId === undefined ? {} : { runId: () => runId }),
  };
}

/** One apply run, with the writes it sent. */
export async function apply(
  spec: ClusterSpec,
  ec2: FakeEc2,
  deps: EipDeps,
  options: Partial<ReconcilePoolsOptions> = {},
): Promise<{ report: EipClusterReport; writes: FakeEc2Call[] }> {
  const before = ec2.calls.length;
  const report = await reconcilePools(spec, deps, { mode: 'apply', ...options });
  return { report, writes: ec2.calls.slice(before).filter((call) => call.kind === 'write') };
}
