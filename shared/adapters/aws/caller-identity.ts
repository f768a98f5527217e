/**
 * The AWS adapter of {@link CallerIdentityPort}: STS `GetCallerIdentity`, which needs no IAM
 * permission (AWS STS API reference, "GetCallerIdentity": "No permissions are required to perform
 * this operation"), in the cluster's Region.
 */
import { GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { awsClient } from './clients';
import { UpstreamError } from '../../errors';
import type { CallerIdentityPort } from '../../ports/caller-identity';

/**
 * @example
 * await createCallerIdentity().callerArn('eu-west-1'); // 'arn:aws:sts::123456789012:assumed-role/ops/ana'
 */
export function createCallerIdentity(): CallerIdentityPort {
  return {
    async callerArn(region) {
      let arn: string | undefined;
      try {
        arn = (await awsClient(STSClient, { region }).send(new GetCallerIdentityCommand({}))).Arn;
      } catch (error) {
        throw new UpstreamError(`GetCallerIdentity failed: ${error instanceof Error ? error.name : 'error'}`, { cause: error, context: { region } });
      }
      if (arn === undefined) throw new UpstreamError('GetCallerIdentity answered without an Arn', { context: { region } });
      return arn;
    },
  };
}
