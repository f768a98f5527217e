/**
 * The allow-list store over SSM Parameter Store: one String parameter per pool, in the function's
 * own Region, overwritten only when its value changes.
 */
import { GetParameterCommand, ParameterNotFound, PutParameterCommand, SSMClient } from '@aws-sdk/client-ssm';
import { awsClient } from './clients';
import { UpstreamError } from '../../errors';
import type { AllowListStore } from '../../ports/allow-list';

/**
 * {@link AllowListStore} over the AWS SDK v3 SSM client. Nothing written yet is `null`.
 *
 * @example
 * import { SSMClient } from '@aws-sdk/client-ssm';
 *
 * const store = new SsmAllowList(new SSMClient({ region: 'sa-east-1' }));
 * await store.write('/eks-pilot/financial-move/eip-pools/egress', '{"publicIps":[],"allocationIds":[]}');
 */
export class SsmAllowList implements AllowListStore {
  private readonly client: SSMClient;

  constructor(client: SSMClient) {
    this.client = client;
  }

  async read(name: string): Promise<string | null> {
    try {
      const output = await this.client.send(new GetParameterCommand({ Name: name }));
      return output.Parameter?.Value ?? null;
    } catch (error) {
      if (error instanceof ParameterNotFound) return null;
      throw toSsmError('GetParameter', name, error);
    }
  }

  async write(name: string, value: string): Promise<void> {
    try {
      await this.client.send(
        new PutParameterCommand({
          Name: name,
          Value: value,
          Type: 'String',
          Overwrite: true,
          Description: 'Elastic IP pool addresses published by eks-pilot eip-manager',
        }),
      );
    } catch (error) {
      throw toSsmError('PutParameter', name, error);
    }
  }
}

/**
 * Builds the production store: an {@link SsmAllowList} over the SSM client the shared factory caches
 * per region. `region` is where the parameters live (the function's own Region).
 *
 * @example
 * const store = createSsmAllowList({ region: eipManagerSettings().region });
 */
export function createSsmAllowList(options: { region: string }): SsmAllowList {
  return new SsmAllowList(awsClient(SSMClient, { region: options.region }));
}

function toSsmError(action: 'GetParameter' | 'PutParameter', name: string, error: unknown): UpstreamError {
  const detail = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
  return new UpstreamError(`${action} failed: ${detail}`, { cause: error, context: { action, name } });
}
