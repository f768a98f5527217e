/**
 * Where deploy reads a sourced Secret's values (a Secrets Manager secret whose SecretString is a
 * JSON object, or SSM SecureString parameters). The AWS adapter is shared/adapters/aws/secret-values.ts.
 * Errors name the source, never a value: {@link SecretSourceError} for a source that cannot give the
 * values, `UpstreamError` (shared/errors.ts) for a store that cannot be read.
 */
import { EksPilotError } from '../errors';
import type { SecretSourceSpec } from '../model/cluster-spec/workloads';

/** A source that cannot give a Secret's values: missing, not a JSON object of strings, a parameter missing. Never holds a value. */
export class SecretSourceError extends EksPilotError {
  override name = 'SecretSourceError';
}

/** What the port needs of the deploy target: where to read (its Region) and what to name in errors. */
export interface SecretTarget {
  cluster: string;
  region: string;
  workload: { name: string };
}

/**
 * Reads a Secret's values from its source.
 *
 * @example
 * const values = await port.read({ name: 'shop-db', secretsManager: 'eks-pilot/prod/shop-db' }, target); // { password: '...' }
 */
export interface SecretValuesPort {
  read(source: SecretSourceSpec, target: SecretTarget): Promise<Record<string, string>>;
}

/**
 * The source as logs and errors name it.
 *
 * @example
 * describeSource({ name: 'shop-db', secretsManager: 'eks-pilot/prod/shop-db' }); // 'secretsmanager:eks-pilot/prod/shop-db'
 */
export function describeSource(source: SecretSourceSpec): string {
  return source.secretsManager === undefined ? `ssm:${Object.values(source.ssm ?? {}).join(',')}` : `secretsmanager:${source.secretsManager}`;
}
