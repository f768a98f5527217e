/**
 * The AWS adapter of {@link SecretValuesPort}: the only deploy code that imports the Secrets Manager
 * and SSM clients, so the offline CLI and the webhook never load them.
 */
import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { GetParametersCommand, SSMClient } from '@aws-sdk/client-ssm';
import { awsClient } from './clients';
import { UpstreamError } from '../../errors';
import type { SecretSourceSpec } from '../../model/cluster-spec/workloads';
import type { SecretValuesPort } from '../../ports/secret-values';
import { describeSource, SecretSourceError } from '../../ports/secret-values';

/**
 * Secrets Manager `GetSecretValue` (AWSCURRENT) and SSM `GetParameters` with decryption, in the
 * target cluster's Region, with the function's own role.
 *
 * @example
 * const values = await createAwsSecretValues().read({ name: 'shop-db', secretsManager: 'eks-pilot/prod/shop-db' }, target);
 */
export function createAwsSecretValues(): SecretValuesPort {
  return {
    async read(source, target) {
      const context = { cluster: target.cluster, workload: target.workload.name, secret: source.name, source: describeSource(source) };
      if (source.secretsManager !== undefined) {
        let text: string | undefined;
        try {
          text = (await awsClient(SecretsManagerClient, { region: target.region }).send(new GetSecretValueCommand({ SecretId: source.secretsManager })))
            .SecretString;
        } catch (error) {
          throw new UpstreamError(
            `GetSecretValue failed for Secret ${source.name} (${describeSource(source)}): ${error instanceof Error ? error.name : 'error'}`,
            { cause: error, context },
          );
        }
        return jsonValues(text, source, context);
      }
      const names = Object.values(source.ssm ?? {});
      let parameters;
      try {
        parameters =
          (await awsClient(SSMClient, { region: target.region }).send(new GetParametersCommand({ Names: names, WithDecryption: true }))).Parameters ?? [];
      } catch (error) {
        throw new UpstreamError(
          `GetParameters failed for Secret ${source.name} (${describeSource(source)}): ${error instanceof Error ? error.name : 'error'}`,
          { cause: error, context },
        );
      }
      const byName = new Map(parameters.map((parameter) => [parameter.Name, parameter.Value]));
      const values: Record<string, string> = {};
      for (const [key, name] of Object.entries(source.ssm ?? {})) {
        const value = byName.get(name);
        if (value === undefined) throw new SecretSourceError(`Secret ${source.name}: SSM parameter ${name} (key ${key}) does not exist`, { context });
        values[key] = value;
      }
      return values;
    },
  };
}

function jsonValues(text: string | undefined, source: SecretSourceSpec, context: Record<string, unknown>): Record<string, string> {
  const problem = `Secret ${source.name}: ${describeSource(source)} must hold a SecretString that is a JSON object of strings`;
  let parsed: unknown;
  try {
    parsed = JSON.parse(text ?? '');
  } catch {
    // The parser's message may quote the value: it is not passed on.
    throw new SecretSourceError(problem, { context });
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw new SecretSourceError(problem, { context });
  const entries = Object.entries(parsed);
  const bad = entries.filter(([, value]) => typeof value !== 'string').map(([key]) => key);
  if (bad.length > 0 || entries.length === 0)
    throw new SecretSourceError(`${problem}${bad.length > 0 ? ` (keys not strings: ${bad.join(', ')})` : ' (it is empty)'}`, { context });
  return Object.fromEntries(entries);
}
