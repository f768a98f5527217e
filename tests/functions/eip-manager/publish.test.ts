import { GetParameterCommand, ParameterNotFound, PutParameterCommand, SSMClient } from '@aws-sdk/client-ssm';
import { mockClient } from 'aws-sdk-client-mock';
import 'aws-sdk-client-mock-jest';
import { allowListValue, legacyPoolParameterName, poolParameterName } from '../../../functions/eip-manager/publish';
import { SsmAllowList } from '../../../shared/adapters/aws/ssm-allow-list';
import { UpstreamError } from '../../../shared/errors';

const ssmMock = mockClient(SSMClient);
const NAME = '/eks-pilot/financial-move/eip-pools/egress';

describe('the allow-list value', () => {
  it('lists the public IPs in numeric order with their allocation ids at the same index, whatever order they come in', () => {
    // Act
    const value = allowListValue([
      { allocationId: 'eipalloc-0b', publicIp: '198.51.100.10' },
      { allocationId: 'eipalloc-0a', publicIp: '198.51.100.9' },
    ]);

    // Assess
    expect(value).toBe('{"publicIps":["198.51.100.9","198.51.100.10"],"allocationIds":["eipalloc-0a","eipalloc-0b"]}');
  });

  it('publishes an empty pool as empty lists', () => {
    expect(allowListValue([])).toBe('{"publicIps":[],"allocationIds":[]}');
  });

  it('names the parameter after the stage, the Region, the cluster and the pool, so no two deployments or Regions collide', () => {
    expect(poolParameterName({ stage: 'prod', region: 'sa-east-1', cluster: 'financial-move' }, 'egress')).toBe(
      '/eks-pilot/prod/sa-east-1/financial-move/eip-pools/egress',
    );
    expect(poolParameterName({ stage: 'dev', region: 'sa-east-1', cluster: 'financial-move' }, 'egress')).not.toBe(
      poolParameterName({ stage: 'prod', region: 'sa-east-1', cluster: 'financial-move' }, 'egress'),
    );
    expect(poolParameterName({ stage: 'prod', region: 'us-east-1', cluster: 'financial-move' }, 'egress')).not.toBe(
      poolParameterName({ stage: 'prod', region: 'sa-east-1', cluster: 'financial-move' }, 'egress'),
    );
    expect(legacyPoolParameterName('financial-move', 'egress')).toBe(NAME);
  });
});

describe('SsmAllowList', () => {
  beforeEach(() => {
    ssmMock.reset();
  });

  it('reads a parameter, and null when it was never written', async () => {
    // Prepare
    ssmMock
      .on(GetParameterCommand, { Name: NAME })
      .resolvesOnce({ Parameter: { Name: NAME, Value: '{"publicIps":[],"allocationIds":[]}' } })
      .rejectsOnce(new ParameterNotFound({ message: 'not found', $metadata: {} }));
    const store = new SsmAllowList(new SSMClient({ region: 'sa-east-1' }));

    // Act
    const written = await store.read(NAME);
    const missing = await store.read(NAME);

    // Assess
    expect(written).toBe('{"publicIps":[],"allocationIds":[]}');
    expect(missing).toBeNull();
  });

  it('writes a String parameter, overwriting the last value', async () => {
    // Prepare
    ssmMock.on(PutParameterCommand).resolves({ Version: 2 });
    const store = new SsmAllowList(new SSMClient({ region: 'sa-east-1' }));

    // Act
    await store.write(NAME, '{"publicIps":["198.51.100.9"],"allocationIds":["eipalloc-0a"]}');

    // Assess
    expect(ssmMock).toHaveReceivedCommandWith(PutParameterCommand, {
      Name: NAME,
      Value: '{"publicIps":["198.51.100.9"],"allocationIds":["eipalloc-0a"]}',
      Type: 'String',
      Overwrite: true,
    });
  });

  it('turns a failure into an UpstreamError naming the action and the parameter, with the SDK error as cause', async () => {
    // Prepare
    const cause = new Error('AccessDeniedException: not authorized');
    ssmMock.on(PutParameterCommand).rejects(cause);
    const store = new SsmAllowList(new SSMClient({ region: 'sa-east-1' }));

    // Act
    const failure = store.write(NAME, '{}');

    // Assess
    await expect(failure).rejects.toBeInstanceOf(UpstreamError);
    await expect(failure).rejects.toMatchObject({ context: { action: 'PutParameter', name: NAME }, cause });
  });
});
