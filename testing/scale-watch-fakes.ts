/**
 * Hand-written fakes of the two ports scale-watch adds to the EKS one (testing/fake-eks.ts):
 * CloudWatch alarms held in memory, and a Kubernetes API holding objects and applying JSON merge
 * patches the way the API server does. Both record every call.
 */
import type { MetricAlarm, PutMetricAlarmCommandInput } from '@aws-sdk/client-cloudwatch';
import type { AlarmQuery, CloudWatchAlarmsPort, DescribedAlarms } from '../shared/ports/cloudwatch';
import type { KubernetesObject, KubernetesPort, PatchOptions } from '../shared/ports/kubernetes';
import { KubernetesNotFoundError } from '../shared/ports/kubernetes-errors';
import type { AlarmStateValue } from '../functions/scale-watch/observed';

export class FakeCloudWatch implements CloudWatchAlarmsPort {
  readonly alarms = new Map<string, MetricAlarm>();
  readonly calls: { name: 'DescribeAlarms' | 'PutMetricAlarm'; input: unknown }[] = [];
  private readonly faults: { name: 'DescribeAlarms' | 'PutMetricAlarm'; error: Error; remaining: number }[] = [];

  /** The next `times` calls named `name` fail with `error`, as the adapter would throw it (a ThrottledError, an UpstreamError over a 503). */
  failNext(name: 'DescribeAlarms' | 'PutMetricAlarm', error: Error, times = 1): void {
    this.faults.push({ name, error, remaining: times });
  }

  private fault(name: 'DescribeAlarms' | 'PutMetricAlarm'): Error | undefined {
    const fault = this.faults.find((candidate) => candidate.name === name && candidate.remaining > 0);
    if (fault === undefined) return undefined;
    fault.remaining -= 1;
    return fault.error;
  }

  /** The alarm goes to `value` at `at`, as CloudWatch would record the transition. */
  setState(name: string, value: AlarmStateValue, at: Date): void {
    const alarm = this.alarms.get(name) ?? { AlarmName: name };
    this.alarms.set(name, {
      ...alarm,
      StateValue: value,
      StateTransitionedTimestamp: at,
      StateUpdatedTimestamp: at,
      StateReason: `set by the test to ${value}`,
    });
  }

  describeAlarms(query: AlarmQuery): Promise<DescribedAlarms> {
    this.calls.push({ name: 'DescribeAlarms', input: query });
    const failure = this.fault('DescribeAlarms');
    if (failure !== undefined) return Promise.reject(failure);
    const all = [...this.alarms.values()];
    const metricAlarms =
      'names' in query
        ? all.filter((alarm) => query.names.includes(alarm.AlarmName ?? ''))
        : all.filter((alarm) => (alarm.AlarmName ?? '').startsWith(query.prefix));
    return Promise.resolve({ metricAlarms: structuredClone(metricAlarms), compositeAlarms: [] });
  }

  putMetricAlarm(request: PutMetricAlarmCommandInput): Promise<void> {
    this.calls.push({ name: 'PutMetricAlarm', input: request });
    const failure = this.fault('PutMetricAlarm');
    if (failure !== undefined) return Promise.reject(failure);
    const name = request.AlarmName ?? '';
    const previous = this.alarms.get(name);
    const definition: MetricAlarm = { ...request };
    delete (definition as { Tags?: unknown }).Tags;
    this.alarms.set(name, {
      ...definition,
      StateValue: previous?.StateValue ?? 'INSUFFICIENT_DATA',
      StateTransitionedTimestamp: previous?.StateTransitionedTimestamp ?? new Date('2026-11-22T00:00:00Z'),
      StateUpdatedTimestamp: previous?.StateUpdatedTimestamp ?? new Date('2026-11-22T00:00:00Z'),
    });
    return Promise.resolve();
  }
}

export interface FakeKubernetesCall {
  verb: 'get' | 'patch' | 'delete';
  kind: string;
  namespace: string | undefined;
  name: string;
  patch?: Record<string, unknown>;
  options?: PatchOptions;
}

export class FakeKubernetes implements KubernetesPort {
  readonly target = { cluster: 'fake', server: 'https://fake', via: 'eks' as const };
  readonly calls: FakeKubernetesCall[] = [];
  private readonly objects = new Map<string, KubernetesObject>();

  put(object: KubernetesObject): void {
    this.objects.set(key(object.kind, object.metadata.namespace, object.metadata.name), structuredClone(object));
  }

  object(kind: string, namespace: string, name: string): KubernetesObject | undefined {
    return structuredClone(this.objects.get(key(kind, namespace, name)));
  }

  patches(): FakeKubernetesCall[] {
    return this.calls.filter((call) => call.verb === 'patch');
  }

  apply(): Promise<KubernetesObject> {
    return Promise.reject(new Error('scale-watch never applies'));
  }

  get(_apiVersion: string, kind: string, namespace: string | undefined, name: string): Promise<KubernetesObject | null> {
    this.calls.push({ verb: 'get', kind, namespace, name });
    return Promise.resolve(structuredClone(this.objects.get(key(kind, namespace, name))) ?? null);
  }

  patch(
    _apiVersion: string,
    kind: string,
    namespace: string | undefined,
    name: string,
    mergePatch: Record<string, unknown>,
    options?: PatchOptions,
  ): Promise<KubernetesObject> {
    this.calls.push({ verb: 'patch', kind, namespace, name, patch: structuredClone(mergePatch), ...(options ? { options } : {}) });
    const found = this.objects.get(key(kind, namespace, name));
    if (found === undefined) {
      return Promise.reject(
        new KubernetesNotFoundError(`cannot patch ${kind} ${namespace ?? ''}/${name}: it does not exist (404)`, {
          context: { cluster: 'fake', method: 'PATCH', path: `/${kind}/${name}`, status: 404 },
        }),
      );
    }
    const merged = mergePatchInto(found, mergePatch) as KubernetesObject;
    this.objects.set(key(kind, namespace, name), merged);
    return Promise.resolve(structuredClone(merged));
  }

  list(): Promise<KubernetesObject[]> {
    return Promise.resolve([]);
  }

  delete(_apiVersion: string, kind: string, namespace: string | undefined, name: string): Promise<boolean> {
    this.calls.push({ verb: 'delete', kind, namespace, name });
    return Promise.resolve(this.objects.delete(key(kind, namespace, name)));
  }
}

/** RFC 7386: objects merge, null deletes, anything else replaces. */
export function mergePatchInto(target: unknown, patch: unknown): unknown {
  if (typeof patch !== 'object' || patch === null || Array.isArray(patch)) return patch;
  const result: Record<string, unknown> =
    typeof target === 'object' && target !== null && !Array.isArray(target) ? { ...(target as Record<string, unknown>) } : {};
  const removed = new Set(
    Object.entries(patch)
      .filter(([, value]) => value === null)
      .map(([field]) => field),
  );
  for (const [field, value] of Object.entries(patch)) if (value !== null) result[field] = mergePatchInto(result[field], value);
  return Object.fromEntries(Object.entries(result).filter(([field]) => !removed.has(field)));
}

/** An HPA as deploy applies it from the kianax manifests (min 2, max 10). */
export function hpa(namespace: string, name: string, bounds: { min?: number; max: number } = { min: 2, max: 10 }, owner?: string): KubernetesObject {
  return {
    apiVersion: 'autoscaling/v2',
    kind: 'HorizontalPodAutoscaler',
    metadata: {
      name,
      namespace,
      ...(owner === undefined
        ? {}
        : {
            ownerReferences: [{ apiVersion: 'keda.sh/v1alpha1', kind: 'ScaledObject', name: owner, uid: 'uid-so', controller: true, blockOwnerDeletion: true }],
          }),
    },
    spec: {
      scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name },
      ...(bounds.min === undefined ? {} : { minReplicas: bounds.min }),
      maxReplicas: bounds.max,
    },
  };
}

export function scaledObject(namespace: string, name: string, bounds: { min?: number; max?: number }): KubernetesObject {
  return {
    apiVersion: 'keda.sh/v1alpha1',
    kind: 'ScaledObject',
    metadata: { name, namespace },
    spec: {
      scaleTargetRef: { name },
      ...(bounds.min === undefined ? {} : { minReplicaCount: bounds.min }),
      ...(bounds.max === undefined ? {} : { maxReplicaCount: bounds.max }),
      triggers: [{ type: 'aws-sqs-queue', metadata: { queueURL: 'https://sqs.eu-west-1.amazonaws.com/111122223333/jobs', queueLength: '5' } }],
    },
  };
}

function key(kind: string, namespace: string | undefined, name: string): string {
  return `${kind}/${namespace ?? ''}/${name}`;
}
