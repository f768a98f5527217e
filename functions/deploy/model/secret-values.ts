/**
 * Secrets from AWS, never from manifests: a workload names each Secret's source (a Secrets Manager
 * secret whose SecretString is a JSON object, or SSM SecureString parameters) and deploy renders
 * the Secret at apply time. Values stay inside the rendered object sent to the API server: no log
 * line, error message, plan or release record holds them (errors name the source, never a value).
 * No SDK here: the port is shared/ports/secret-values.ts, its AWS adapter shared/adapters/aws/secret-values.ts, built only by the worker's handler.
 */
import type { KubernetesObject } from '../../../shared/ports/kubernetes';
import type { SecretSourceSpec } from '../../../shared/model/cluster-spec/workloads';
import { OWNER_LABEL } from '../../../shared/model/cluster-spec/runtime';
import { APPLY_RANK, MANAGED_BY } from './render';
import { releaseLocation } from './releases';
import type { DeployTarget } from './targets';
import type { SecretValuesPort } from '../../../shared/ports/secret-values';
import { describeSource, SecretSourceError } from '../../../shared/ports/secret-values';

/** Where a sourced Secret's values come from, on the Secret itself (`secretsmanager:<id>`, `ssm:<names>`). */
export const SOURCE_ANNOTATION = 'eks-pilot.io/secret-source';

/**
 * The workload's sourced Secrets as objects to apply (values base64 in `data`, as the API server
 * stores them), read through `port`. A workload with sources and no port is an error, not a Secret
 * silently left out.
 *
 * @example
 * const secrets = await sourcedSecrets(target, deps.secretValues);
 */
export async function sourcedSecrets(target: DeployTarget, port: SecretValuesPort | undefined): Promise<KubernetesObject[]> {
  if (target.workload.secrets.length === 0) return [];
  if (port === undefined)
    throw new SecretSourceError(`workload ${target.workload.name} sources Secrets from AWS, and this run has no way to read them`, {
      context: { workload: target.workload.name },
    });
  const objects: KubernetesObject[] = [];
  for (const source of target.workload.secrets) {
    const values = await port.read(source, target);
    objects.push({
      ...secretShell(target, source),
      data: Object.fromEntries(Object.entries(values).map(([key, value]) => [key, Buffer.from(value, 'utf8').toString('base64')])),
    });
  }
  return objects;
}

/**
 * The workload's sourced Secrets as a plan lists them: by name, namespace and source (the
 * `eks-pilot.io/secret-source` annotation), with no data. A plan reads no source: no value can
 * reach it.
 *
 * @example
 * plannedSecrets(target); // [{ kind: 'Secret', metadata: { name: 'app-secrets', annotations: { 'eks-pilot.io/secret-source': 'secretsmanager:...' } } }]
 */
export function plannedSecrets(target: DeployTarget): KubernetesObject[] {
  return target.workload.secrets.map((source) => secretShell(target, source));
}

/** A sourced Secret without its data: where it goes, whose it is, where its values come from. */
function secretShell(target: DeployTarget, source: SecretSourceSpec): KubernetesObject {
  return {
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: {
      name: source.name,
      namespace: source.namespace ?? releaseLocation(target).namespace,
      labels: { [OWNER_LABEL]: target.workload.name, [MANAGED_BY.key]: MANAGED_BY.value },
      annotations: { [SOURCE_ANNOTATION]: describeSource(source) },
    },
    type: 'Opaque',
  };
}

/**
 * The rendering with the sourced Secrets in apply order (with the manifests' Secrets, before what uses them).
 *
 * @example
 * const objects = withSecrets(rendered.objects, await sourcedSecrets(target, deps.secretValues));
 */
export function withSecrets(objects: readonly KubernetesObject[], secrets: readonly KubernetesObject[]): KubernetesObject[] {
  const secretRank = APPLY_RANK.Secret ?? 1;
  const at = objects.findIndex((object) => (APPLY_RANK[object.kind] ?? 4) > secretRank);
  const index = at === -1 ? objects.length : at;
  return [...objects.slice(0, index), ...secrets, ...objects.slice(index)];
}
