/**
 * The one home of deploy's Secret-source doubles: the values the examples' sourced Secrets get in
 * tests (placeholders, as a developer's account would hold them), an in-memory SecretValuesPort for
 * code that takes the port, and the Secrets Manager / SSM client stubs (aws-sdk-client-mock) for the
 * real worker handler, whose adapter (worker/aws-secret-values.ts) calls the SDK. Answers follow
 * the SDK models: GetSecretValueResponse.SecretString, GetParametersResult.Parameters /
 * InvalidParameters (node_modules/@aws-sdk/client-secrets-manager and client-ssm dist-types).
 */
import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { GetParametersCommand, SSMClient } from '@aws-sdk/client-ssm';
import { mockClient } from 'aws-sdk-client-mock';
import type { AwsClientStub } from 'aws-sdk-client-mock';
import type { SecretValuesPort } from '../shared/ports/secret-values';
import { describeSource, SecretSourceError } from '../shared/ports/secret-values';
import type { SecretSourceSpec } from '../shared/model/cluster-spec/workloads';

/** Secrets Manager secrets the examples name (secret id -> the JSON object its SecretString holds). */
export const EXAMPLE_SECRETS: Readonly<Record<string, Readonly<Record<string, string>>>> = {
  'eks-pilot/crypto-oms/app-secrets': {
    DATABASE_URL: 'postgres://oms:test-only@db/oms',
    EXCHANGE_API_KEY: 'test-key',
    EXCHANGE_API_SECRET: 'test-secret',
  },
  'eks-pilot/prod/task-service-secret': { DATABASE_URL: 'postgres://task:test-only@db/task', API_KEY: 'test-key' },
  'eks-pilot/prod/wallet-cryptotraders-service-secret': {
    DATABASE_URL: 'postgres://wallet:test-only@db/wallet',
    EXCHANGE_API_KEY: 'test-key',
    EXCHANGE_API_SECRET: 'test-secret',
  },
  'eks-pilot/prod/workers-secret': {
    DATABASE_URL: 'postgres://workers:test-only@db/workers',
    QUEUE_URL: 'https://sqs.sa-east-1.amazonaws.com/111122223333/workers',
  },
};

/** SSM SecureString parameters the examples name (parameter name -> value). */
export const EXAMPLE_PARAMETERS: Readonly<Record<string, string>> = {
  '/eks-pilot/prod/grafana/admin-user': 'admin',
  '/eks-pilot/prod/grafana/admin-password': 'test-only-password',
};

/** An in-memory source: `set` changes a secret's value (a rotation); `reads` names every source read. */
export class FakeSecretValues implements SecretValuesPort {
  readonly reads: string[] = [];
  private readonly secrets = new Map<string, Record<string, string>>(Object.entries(EXAMPLE_SECRETS).map(([id, values]) => [id, { ...values }]));
  private readonly parameters = new Map<string, string>(Object.entries(EXAMPLE_PARAMETERS));

  set(secretId: string, values: Record<string, string>): void {
    this.secrets.set(secretId, { ...values });
  }

  read(source: SecretSourceSpec): Promise<Record<string, string>> {
    this.reads.push(describeSource(source));
    if (source.secretsManager !== undefined) {
      const values = this.secrets.get(source.secretsManager);
      if (values === undefined) return Promise.reject(new SecretSourceError(`Secret ${source.name}: ${describeSource(source)} does not exist`));
      return Promise.resolve({ ...values });
    }
    const values: Record<string, string> = {};
    for (const [key, name] of Object.entries(source.ssm ?? {})) {
      const value = this.parameters.get(name);
      if (value === undefined) return Promise.reject(new SecretSourceError(`Secret ${source.name}: SSM parameter ${name} (key ${key}) does not exist`));
      values[key] = value;
    }
    return Promise.resolve(values);
  }
}

export interface SecretStubs {
  secretsManager: AwsClientStub<SecretsManagerClient>;
  ssm: AwsClientStub<SSMClient>;
}

let stubs: SecretStubs | undefined;

/** The process's Secrets Manager and SSM client stubs, made once (a second mockClient would replace the first). */
export function awsSecretStubs(): SecretStubs {
  stubs ??= { secretsManager: mockClient(SecretsManagerClient), ssm: mockClient(SSMClient) };
  return stubs;
}

/** Makes the process's stubs answer for the examples' sources, as an account holding them would. */
export function seedExampleSecrets(): void {
  answerExampleSecrets(awsSecretStubs());
}

/**
 * Makes these stubs (the tests', or the bench's own) answer for the examples' sources.
 *
 * @example
 * answerExampleSecrets(doubleAwsClients()); // the bench's worker scenarios deploy crypto-oms
 */
export function answerExampleSecrets({ secretsManager, ssm }: SecretStubs): void {
  for (const [id, values] of Object.entries(EXAMPLE_SECRETS))
    secretsManager.on(GetSecretValueCommand, { SecretId: id }).resolves({ SecretString: JSON.stringify(values) });
  const names = Object.keys(EXAMPLE_PARAMETERS);
  ssm.on(GetParametersCommand, { Names: names, WithDecryption: true }).resolves({
    Parameters: names.map((name) => ({ Name: name, Type: 'SecureString', Value: EXAMPLE_PARAMETERS[name] ?? '', Version: 1 })),
    InvalidParameters: [],
  });
}
