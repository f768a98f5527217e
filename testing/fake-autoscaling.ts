/**
 * A hand-written fake of the Auto Scaling port for the groups EKS makes for managed node groups:
 * it answers for the Auto Scaling group of every node group a {@link FakeEks} holds (named as the
 * node group's `resources.autoScalingGroups` names it), with EKS's own `eks:cluster-name` and
 * `eks:nodegroup-name` tags, and keeps the tags written to it. Shapes follow the Auto Scaling API
 * reference (DescribeAutoScalingGroups' `AutoScalingGroup.Tags` as `TagDescription`s with
 * ResourceId, ResourceType `auto-scaling-group`, Key, Value, PropagateAtLaunch; CreateOrUpdateTags
 * creates or overwrites, DeleteTags of a missing key is no error). A group takes at most 50 tags
 * (LimitExceededFault, as the adapter raises it: a RequestRejectedError). Every call is recorded.
 *
 * @example
 * const eks = new FakeEks();
 * eks.seedFromSpec(spec);
 * const autoScaling = new FakeAutoScaling(eks);
 * await reconcileCluster(spec, { eksFor: () => eks, autoScalingFor: () => autoScaling, now: () => NOW, logger }, { mode: 'apply' });
 * autoScaling.tagsOf('kianax', 'jobs-ng')['k8s.io/cluster-autoscaler/node-template/taint/workload']; // 'jobs:NoSchedule'
 */
import { LimitExceededFault } from '@aws-sdk/client-auto-scaling';
import type { AutoScalingGroup, TagDescription } from '@aws-sdk/client-auto-scaling';
import { RequestRejectedError, ThrottledError } from '../shared/errors';
import type { AutoScalingPort, AutoScalingReadName, AutoScalingWrite, AutoScalingWriteKind } from '../shared/ports/autoscaling';
import type { FakeEks } from './fake-eks';
import { autoscalerTags } from '../shared/model/cluster-spec/autoscaler-tags';
import type { ClusterSpec } from '../shared/model/cluster-spec/schema';

export interface FakeAutoScalingCall {
  kind: 'read' | 'write';
  name: AutoScalingReadName | AutoScalingWriteKind;
  input: unknown;
  outcome: 'ok' | 'failed';
}

/** Auto Scaling's limit (Auto Scaling User Guide, "Tag Auto Scaling groups and instances": 50 tags per group). */
const MAX_TAGS = 50;

export class FakeAutoScaling implements AutoScalingPort {
  private readonly eks: FakeEks;
  /** Tags written through the port, by group name. */
  private readonly written = new Map<string, Map<string, string>>();
  private readonly calls: FakeAutoScalingCall[] = [];
  private throttleNext = 0;

  constructor(eks: FakeEks) {
    this.eks = eks;
  }

  /** Every call so far, in order. */
  history(): readonly FakeAutoScalingCall[] {
    return this.calls;
  }

  /** The writes so far. */
  writes(): readonly FakeAutoScalingCall[] {
    return this.calls.filter((call) => call.kind === 'write');
  }

  /** The next `times` calls are throttled past the SDK's retries. */
  throttle(times = 1): void {
    this.throttleNext = times;
  }

  /** The tags of a node group's Auto Scaling group, EKS's own included, as a record. */
  tagsOf(clusterName: string, nodegroupName: string): Record<string, string> {
    const name = this.groupNameOf(clusterName, nodegroupName);
    if (name === undefined) return {};
    return Object.fromEntries((this.describe(name)?.Tags ?? []).map((tag) => [tag.Key ?? '', tag.Value ?? '']));
  }

  /** The tags provision writes for every node group of the spec, as a converged account holds them. */
  seedFromSpec(spec: ClusterSpec): void {
    for (const group of spec.nodeGroups) {
      for (const [key, value] of Object.entries(autoscalerTags(spec.name, group))) this.setTag(spec.name, group.name, key, value);
    }
  }

  /** Someone sets a tag by hand (the console, the CLI). */
  setTag(clusterName: string, nodegroupName: string, key: string, value: string): void {
    const name = this.groupNameOf(clusterName, nodegroupName);
    if (name === undefined) throw new Error(`no Auto Scaling group for ${clusterName}/${nodegroupName}`);
    this.tagsFor(name).set(key, value);
  }

  describeAutoScalingGroups(names: readonly string[]): Promise<AutoScalingGroup[]> {
    this.failIfThrottled('read', 'DescribeAutoScalingGroups', { names });
    this.calls.push({ kind: 'read', name: 'DescribeAutoScalingGroups', input: { AutoScalingGroupNames: [...names] }, outcome: 'ok' });
    return Promise.resolve(names.flatMap((name) => this.describe(name) ?? []));
  }

  execute(write: AutoScalingWrite): Promise<Record<string, never>> {
    this.failIfThrottled('write', write.kind, write.request);
    const tags = write.request.Tags ?? [];
    for (const tag of tags) {
      if (this.owner(tag.ResourceId ?? '') === undefined) {
        this.calls.push({ kind: 'write', name: write.kind, input: write.request, outcome: 'failed' });
        return Promise.reject(new RequestRejectedError(`${write.kind} rejected (ValidationError): AutoScalingGroup name not found - ${tag.ResourceId ?? ''}`));
      }
    }
    if (write.kind === 'CreateOrUpdateTags') {
      for (const name of new Set(tags.map((tag) => tag.ResourceId ?? ''))) {
        const after = new Set([...this.tagKeys(name), ...tags.filter((tag) => tag.ResourceId === name).map((tag) => tag.Key ?? '')]);
        if (after.size > MAX_TAGS) {
          this.calls.push({ kind: 'write', name: write.kind, input: write.request, outcome: 'failed' });
          const cause = new LimitExceededFault({ message: 'The quota for tags on this Auto Scaling group has been reached', $metadata: {} });
          return Promise.reject(new RequestRejectedError(`${write.kind} rejected: a group takes at most 50 tags (LimitExceededFault)`, { cause }));
        }
      }
      for (const tag of tags) this.tagsFor(tag.ResourceId ?? '').set(tag.Key ?? '', tag.Value ?? '');
    } else {
      for (const tag of tags) this.tagsFor(tag.ResourceId ?? '').delete(tag.Key ?? '');
    }
    this.calls.push({ kind: 'write', name: write.kind, input: write.request, outcome: 'ok' });
    return Promise.resolve({});
  }

  private failIfThrottled(kind: 'read' | 'write', name: AutoScalingReadName | AutoScalingWriteKind, input: unknown): void {
    if (this.throttleNext === 0) return;
    this.throttleNext -= 1;
    this.calls.push({ kind, name, input, outcome: 'failed' });
    throw new ThrottledError(`${name} throttled after the SDK's retries (Throttling)`);
  }

  private groupNameOf(clusterName: string, nodegroupName: string): string | undefined {
    return this.eks.nodegroup(clusterName, nodegroupName)?.resources?.autoScalingGroups?.[0]?.name;
  }

  /** The cluster and node group EKS made this Auto Scaling group for. */
  private owner(name: string): { cluster: string; nodegroup: string } | undefined {
    const match = /^eks-(.+)-([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})$/.exec(name);
    if (match === null) return undefined;
    for (const cluster of this.eks.clusterNames()) {
      if (this.groupNameOf(cluster, match[1] ?? '') === name) return { cluster, nodegroup: match[1] ?? '' };
    }
    return undefined;
  }

  private describe(name: string): AutoScalingGroup | undefined {
    const owner = this.owner(name);
    if (owner === undefined) return undefined;
    const group = this.eks.nodegroup(owner.cluster, owner.nodegroup);
    const own: Record<string, string> = { 'eks:cluster-name': owner.cluster, 'eks:nodegroup-name': owner.nodegroup };
    const tags: TagDescription[] = Object.entries({ ...own, ...Object.fromEntries(this.tagsFor(name)) })
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([key, value]) => ({ ResourceId: name, ResourceType: 'auto-scaling-group', Key: key, Value: value, PropagateAtLaunch: key.startsWith('eks:') }));
    return {
      AutoScalingGroupName: name,
      MinSize: group?.scalingConfig?.minSize,
      MaxSize: group?.scalingConfig?.maxSize,
      DesiredCapacity: group?.scalingConfig?.desiredSize,
      DefaultCooldown: 300,
      AvailabilityZones: [],
      HealthCheckType: 'EC2',
      CreatedTime: new Date('2026-11-01T00:00:00Z'),
      Tags: tags,
    };
  }

  private tagKeys(name: string): string[] {
    return (this.describe(name)?.Tags ?? []).map((tag) => tag.Key ?? '');
  }

  private tagsFor(name: string): Map<string, string> {
    let tags = this.written.get(name);
    if (tags === undefined) {
      tags = new Map();
      this.written.set(name, tags);
    }
    return tags;
  }
}
