/**
 * `eks-pilot plan`: what all four functions would do for the specs. The cluster, node groups,
 * add-ons and access (provision), the Elastic IP pools (eip-manager), the alarms as code and each
 * scaling rule's state (scale-watch), and each workload rendered at the images it would run, with
 * its drift when live (deploy). `--offline` plans against an empty account and cluster: no AWS or
 * Kubernetes call, no SDK loaded.
 */
import type { EipPlan } from '../../functions/eip-manager/plan';
import { EMPTY_ACCOUNT as NO_ADDRESSES } from '../../functions/eip-manager/observed';
import { planPools } from '../../functions/eip-manager/plan';
import { renderPoolPlan } from '../../functions/eip-manager/render';
import { EMPTY_ACCOUNT } from '../../functions/provision/observed';
import { planCluster } from '../../functions/provision/plan';
import type { AlarmAction } from '../../functions/scale-watch/alarms';
import { planAlarms } from '../../functions/scale-watch/alarms';
import type { DeployTarget } from '../../functions/deploy/model/targets';
import { targetsOf } from '../../functions/deploy/model/targets';
import type { Plan, PlanStatus } from '../../shared/model/plan/plan';
import { planStatus } from '../../shared/model/plan/plan';
import { renderPlan } from '../../shared/model/plan/render';
import type { LoadedSpec } from '../../shared/model/cluster-spec/load';
import { loadSpecs } from '../../shared/model/cluster-spec/load';
import { PLAN_OPTIONS, parseCommand, specPaths } from '../args';
import type { Ports } from '../deps';
import type { Io } from '../output';
import { EXIT, exitFor, oneLine, QUIET_LOGGER, toJson } from '../output';
import type { RuleView } from '../scaling';
import { liveRuleView, offlineRuleView, renderRules } from '../scaling';
import { autoscalerTagsJson, planJson, platformJson, renderAlarmPlan, renderAutoscalerTags, renderPlatformPlan } from '../sections';
import type { PlatformTarget } from '../../functions/deploy/model/platform';
import { platformsOf } from '../../functions/deploy/model/platform';
import type { WorkloadView } from '../workloads';
import { planWorkloads, renderWorkloads, workloadChanges } from '../workloads';

export const PLAN_USAGE = `Usage: eks-pilot plan [--offline] [--json] [--detailed-exitcode] <spec file or folder>...
`;

/** One spec's plan across the four functions; a part that could not be read has an error instead. */
interface SpecPlan {
  loaded: LoadedSpec;
  cluster?: Plan;
  pools?: EipPlan;
  alarms?: Plan<AlarmAction>;
  rules: RuleView[];
  workloads: WorkloadView[];
  /** The spec's platform with its manifests read (absent: none, or broken, then in `errors`). */
  platform?: PlatformTarget;
  errors: string[];
}

export async function planCommand(argv: readonly string[], io: Io, ports: Ports): Promise<number> {
  const { values, positionals } = parseCommand(argv, PLAN_OPTIONS);
  const specs = await loadSpecs(specPaths(positionals, undefined, 'plan'));
  const targets = await targetsOf(specs);
  const plans = values.offline ? await planOffline(specs, targets, ports.now()) : await planLive(specs, targets, ports);
  const { platforms, broken } = await platformsOf(specs);
  for (const plan of plans) {
    const platform = platforms.find((item) => item.source === plan.loaded.file);
    if (platform !== undefined) plan.platform = platform;
    for (const item of broken.filter((entry) => entry.source === plan.loaded.file)) plan.errors.push(`platform component ${item.component}: ${item.reason}`);
  }

  for (const plan of plans) {
    const where = `${plan.loaded.spec.name} (${plan.loaded.spec.region})`;
    for (const error of plan.errors) io.stderr.write(`error: ${where}: ${error}\n`);
    for (const rule of plan.rules)
      if (rule.unreachable !== undefined)
        io.stderr.write(
          `warning: ${where}: scaling rule ${rule.rule}: the cluster's Kubernetes API is unreachable (${rule.unreachable}); shown from the spec\n`,
        );
    for (const view of plan.workloads)
      if (view.unreachable !== undefined)
        io.stderr.write(`warning: ${where}: workload ${view.workload}: the cluster's Kubernetes API is unreachable (${view.unreachable}); planned offline\n`);
  }
  io.stdout.write(values.json ? planToJsonBody(plans) : plans.map(renderSpecPlan).join('\n'));
  const statuses: PlanStatus[] = plans.flatMap((plan) => [
    ...[plan.cluster, plan.pools, plan.alarms].flatMap((item) => (item === undefined ? [] : [planStatus(item)])),
    ...plan.rules.map((rule): PlanStatus => ((rule.next?.actions.length ?? 0) > 0 ? 'changes' : 'no-changes')),
    ...plan.workloads.map((view): PlanStatus => (workloadChanges(view) ? 'changes' : 'no-changes')),
  ]);
  const unread = plans.some(
    (plan) => plan.errors.length > 0 || plan.rules.some((rule) => rule.error !== undefined) || plan.workloads.some((view) => view.error !== undefined),
  );
  return unread ? EXIT.error : exitFor(statuses, values['detailed-exitcode']);
}

async function planOffline(specs: readonly LoadedSpec[], targets: DeployTarget[], now: Date): Promise<SpecPlan[]> {
  const plans: SpecPlan[] = [];
  for (const loaded of specs) {
    const { file, spec } = loaded;
    plans.push({
      loaded,
      cluster: planCluster(spec, EMPTY_ACCOUNT, { now, source: file }),
      ...(spec.elasticIpPools.length > 0 ? { pools: planPools(spec, NO_ADDRESSES, { now, source: file }) } : {}),
      alarms: planAlarms(spec, []),
      rules: spec.scalingRules.map((rule) => offlineRuleView(spec, rule)),
      workloads: await planWorkloads(targetsFor(targets, loaded), undefined, now),
      errors: [],
    });
  }
  return plans;
}

async function planLive(specs: readonly LoadedSpec[], targets: DeployTarget[], ports: Ports): Promise<SpecPlan[]> {
  const [{ reconcileFleet }, { reconcilePools }, { reconcileAlarms }] = await Promise.all([
    import('../../functions/provision/run'),
    import('../../functions/eip-manager/run'),
    import('../../functions/scale-watch/run'),
  ]);
  const provision = await ports.provision();
  const reports = await reconcileFleet(
    specs.map(({ spec, file }) => ({ spec, file, mode: 'plan' as const })),
    provision,
  );
  const plans: SpecPlan[] = [];
  for (const [index, loaded] of specs.entries()) {
    const { spec, file } = loaded;
    const report = reports[index];
    const plan: SpecPlan = { loaded, rules: [], workloads: [], errors: [] };
    if (report?.plan !== undefined) plan.cluster = report.plan;
    else plan.errors.push(report?.summary ?? 'the cluster could not be read');
    if (spec.elasticIpPools.length > 0) {
      const pools = await reconcilePools(spec, await ports.eip(), { mode: 'plan', source: file });
      if (pools.plan !== undefined) plan.pools = pools.plan;
      else plan.errors.push(`Elastic IP pools: ${pools.summary}`);
    }
    const needsAlarms = spec.alarms.length > 0 || spec.scalingRules.length > 0;
    const cloudWatchFor = needsAlarms ? await ports.cloudWatch() : undefined;
    if (cloudWatchFor === undefined) plan.alarms = planAlarms(spec, []);
    else {
      try {
        const alarms = await reconcileAlarms(spec, cloudWatchFor(spec), 'plan', QUIET_LOGGER);
        plan.alarms = alarms.plan ?? planAlarms(spec, []);
      } catch (error) {
        plan.errors.push(`alarms: ${oneLine(error)}`);
      }
    }
    if (spec.scalingRules.length > 0 && cloudWatchFor !== undefined) {
      const connect = await ports.kubernetes();
      for (const rule of spec.scalingRules) {
        const observe = {
          eks: provision.eksFor(spec),
          cloudWatch: cloudWatchFor(spec),
          kubernetes: () => connect({ cluster: spec.name, region: spec.region, ...(spec.assumeRoleArn ? { assumeRoleArn: spec.assumeRoleArn } : {}) }),
        };
        plan.rules.push(await liveRuleView(spec, rule, observe, ports.now()));
      }
    }
    const mine = targetsFor(targets, loaded);
    if (mine.length > 0) {
      const connect = await ports.kubernetes();
      plan.workloads = await planWorkloads(mine, (target) => connect(target), ports.now());
    }
    plans.push(plan);
  }
  return plans;
}

function targetsFor(targets: DeployTarget[], loaded: LoadedSpec): DeployTarget[] {
  return targets.filter((target) => target.source === loaded.file);
}

function renderSpecPlan(plan: SpecPlan): string {
  const { spec } = plan.loaded;
  return [
    ...(plan.cluster ? [renderPlan(plan.cluster)] : []),
    ...(plan.pools ? [renderPoolPlan(plan.pools)] : []),
    renderAutoscalerTags(spec),
    ...(plan.alarms ? [renderAlarmPlan(plan.alarms, spec.alarms.length)] : []),
    renderRules(spec, plan.rules),
    renderPlatformPlan(spec, plan.platform),
    renderWorkloads(spec, plan.workloads),
  ].join('\n');
}

function planToJsonBody(plans: readonly SpecPlan[]): string {
  return toJson({
    plans: [...plans.flatMap((plan) => (plan.cluster ? [plan.cluster] : [])), ...plans.flatMap((plan) => (plan.pools ? [plan.pools] : []))].map(planJson),
    autoscalerTags: plans.flatMap((plan) => autoscalerTagsJson(plan.loaded.spec)),
    platform: plans.flatMap((plan) => (plan.platform ? [platformJson(plan.platform)] : [])),
    alarms: plans.flatMap((plan) => (plan.alarms ? [planJson(plan.alarms)] : [])),
    scalingRules: plans.flatMap((plan) => plan.rules),
    workloads: plans.flatMap((plan) => plan.workloads),
    errors: plans.flatMap((plan) => plan.errors.map((error) => ({ cluster: plan.loaded.spec.name, region: plan.loaded.spec.region, error }))),
  });
}
