import { GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { mockClient } from 'aws-sdk-client-mock';
import 'aws-sdk-client-mock-jest';
import { createCallerIdentity } from '../../../../shared/adapters/aws/caller-identity';
import { resetAwsClients } from '../../../../shared/adapters/aws/clients';
import { UpstreamError } from '../../../../shared/errors';

const sts = mockClient(STSClient);

describe('the caller identity adapter', () => {
  beforeEach(() => {
    sts.reset();
    resetAwsClients();
  });

  it("answers STS GetCallerIdentity's Arn", async () => {
    // Prepare: the response shape of the STS API reference, GetCallerIdentity (an assumed role).
    sts.on(GetCallerIdentityCommand).resolves({
      UserId: 'AROA3XFRBF535PLBIFPI4:ana',
      Account: '123456789012',
      Arn: 'arn:aws:sts::123456789012:assumed-role/ops/ana',
    });

    // Act
    const arn = await createCallerIdentity().callerArn('eu-west-1');

    // Assess
    expect(arn).toBe('arn:aws:sts::123456789012:assumed-role/ops/ana');
    expect(sts).toHaveReceivedCommandTimes(GetCallerIdentityCommand, 1);
  });

  it('names the failed call, not the stack, when STS refuses', async () => {
    // Prepare
    sts
      .on(GetCallerIdentityCommand)
      .rejects(Object.assign(new Error('The security token included in the request is invalid.'), { name: 'InvalidClientTokenId' }));

    // Act
    const call = createCallerIdentity().callerArn('eu-west-1');

    // Assess
    await expect(call).rejects.toBeInstanceOf(UpstreamError);
    await expect(call).rejects.toThrow('GetCallerIdentity failed: InvalidClientTokenId');
  });
});
