/**
 * The examples source their Secrets from AWS: an e2e run creates those sources in moto (Secrets
 * Manager CreateSecret, SSM PutParameter SecureString), in each example cluster's Region, as the
 * examples' READMEs tell an operator to.
 */
import { CreateSecretCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { PutParameterCommand, SSMClient } from '@aws-sdk/client-ssm';
import { EXAMPLE_PARAMETERS, EXAMPLE_SECRETS } from '../../../testing/secret-values';
import type { Moto } from './moto';

/** The Region of each example source: crypto-oms runs in eu-west-1, financial-move in sa-east-1. */
const REGION_OF = (name: string): string => (name.includes('crypto-oms') ? 'eu-west-1' : 'sa-east-1');

/**
 * Creates every source the examples name, with the test values of the shared double.
 *
 * @example
 * await createExampleSecrets(moto);
 */
export async function createExampleSecrets(moto: Moto): Promise<void> {
  for (const [name, values] of Object.entries(EXAMPLE_SECRETS)) {
    const client = new SecretsManagerClient(moto.clientConfig(REGION_OF(name)));
    await client.send(new CreateSecretCommand({ Name: name, SecretString: JSON.stringify(values) }));
    client.destroy();
  }
  const ssm = new SSMClient(moto.clientConfig('sa-east-1'));
  for (const [name, value] of Object.entries(EXAMPLE_PARAMETERS)) await ssm.send(new PutParameterCommand({ Name: name, Type: 'SecureString', Value: value }));
  ssm.destroy();
}
