/**
 * `eks-pilot validate`: whether each cluster of the specs is usable, as `kops validate cluster`
 * answers it: node groups with Ready nodes within their bounds, Ready kube-system pods, add-ons
 * ACTIVE and healthy (functions/provision/validate.ts). Read-only. `--wait 10m` asks again every
 * `--interval` (default 10s) until every cluster is Validated or the time is up.
 */
import type { ValidationReport } from '../../functions/provision/validate';
import { renderValidation, validateCluster } from '../../functions/provision/validate';
import { loadSpecs } from '../../shared/model/cluster-spec/load';
import { errorText } from '../../shared/errors';
import { parseCommand, specPaths } from '../args';
import type { Ports } from '../deps';
import type { Io } from '../output';
import { EXIT, toJson, UsageError } from '../output';

export const VALIDATE_USAGE = `Usage: eks-pilot validate [--json] [--wait <duration>] [--interval <duration>] [--namespace <name>]... <spec file or folder>...
`;

const UNITS: Record<string, number> = { ms: 1, s: 1_000, m: 60_000, h: 3_600_000 };

/**
 * A duration as kops and kubectl spell it: `500ms`, `30s`, `10m`, `1h`.
 *
 * @throws UsageError naming the option and the value.
 * @example
 * duration('10m', '--wait'); // 600000
 */
export function duration(value: string, option: string): number {
  const match = /^(\d+)(ms|s|m|h)$/.exec(value.trim());
  if (match === null) throw new UsageError(`${option} expects a duration such as 30s, 10m or 1h, not "${value}"`);
  return Number(match[1]) * (UNITS[match[2] ?? 's'] ?? 1_000);
}

export async function validateCommand(argv: readonly string[], io: Io, ports: Ports): Promise<number> {
  const { values, positionals } = parseCommand(argv, {
    wait: { type: 'string' },
    interval: { type: 'string' },
    namespace: { type: 'string', multiple: true },
  });
  const waitMs = values.wait === undefined ? 0 : duration(values.wait, '--wait');
  const intervalMs = values.interval === undefined ? 10_000 : duration(values.interval, '--interval');
  if (intervalMs === 0) throw new UsageError('--interval must be more than 0');
  const namespaces = ['kube-system', ...(values.namespace ?? []).filter((name) => name !== 'kube-system')];
  const specs = await loadSpecs(specPaths(positionals, undefined, 'validate'));
  const deadline = ports.now().getTime() + waitMs;
  const [provision, kubernetes] = await Promise.all([ports.provision(), ports.kubernetes()]);
  let reports: ValidationReport[];
  for (let round = 1; ; round += 1) {
    reports = [];
    for (const { spec } of specs) {
      const eks = provision.eksFor(spec);
      try {
        const k8s = await kubernetes({ cluster: spec.name, region: spec.region, ...(spec.assumeRoleArn ? { assumeRoleArn: spec.assumeRoleArn } : {}) });
        reports.push(await validateCluster(spec, { eks, k8s }, namespaces));
      } catch (error) {
        reports.push({
          cluster: spec.name,
          region: spec.region,
          status: 'Unhealthy',
          failures: [{ kind: 'Read', name: 'cluster', message: `cannot reach the Kubernetes API: ${errorText(error)}` }],
          checked: { nodeGroups: 0, nodes: 0, pods: 0, addons: 0 },
        });
      }
    }
    const healthy = reports.every((report) => report.status === 'Validated');
    const left = deadline - ports.now().getTime();
    if (healthy || left <= 0) break;
    if (!values.json) io.stdout.write(`${reports.map(renderValidation).join('')}Unhealthy (attempt ${round}); asking again in ${intervalMs / 1000}s\n\n`);
    await ports.sleep(Math.min(intervalMs, left));
  }
  const healthy = reports.every((report) => report.status === 'Validated');
  if (values.json) io.stdout.write(toJson({ status: healthy ? 'Validated' : 'Unhealthy', reports }));
  else io.stdout.write(reports.map(renderValidation).join(''));
  if (!healthy && waitMs > 0 && !values.json) io.stderr.write(`error: not Validated within ${values.wait ?? ''}\n`);
  return healthy ? EXIT.ok : EXIT.error;
}
