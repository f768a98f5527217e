import {
  AutoScalingClient,
  AutoScalingServiceException,
  CreateOrUpdateTagsCommand,
  DeleteTagsCommand,
  DescribeAutoScalingGroupsCommand,
  LimitExceededFault,
  ResourceContentionFault,
} from '@aws-sdk/client-auto-scaling';
import { mockClient } from 'aws-sdk-client-mock';
import 'aws-sdk-client-mock-jest';
import { AutoScalingAdapter } from '../../../../shared/adapters/aws/autoscaling';
import { RequestRejectedError, ResourceBusyError, ThrottledError, UpstreamError } from '../../../../shared/errors';
import { rejectionOf } from '../../../../testing/rejection';

const GROUP = 'eks-jobs-ng-00000000-0000-4000-8000-000000000007';
const autoScalingMock = mockClient(AutoScalingClient);

/** What the SDK throws for an error Auto Scaling does not model (Auto Scaling API reference, "Common errors"): a service exception named after the code. */
function serviceError(code: string, extra: Partial<{ $retryable: { throttling: boolean } }> = {}): AutoScalingServiceException {
  return Object.assign(
    new AutoScalingServiceException({ name: code, $fault: 'client', $metadata: { httpStatusCode: 400 }, message: `${code} message` }),
    extra,
  );
}

beforeEach(() => {
  autoScalingMock.reset();
});

describe('AutoScalingAdapter', () => {
  it('describes the named groups with their tags, following every page', async () => {
    // Prepare: two pages
    autoScalingMock
      .on(DescribeAutoScalingGroupsCommand)
      .resolvesOnce({
        AutoScalingGroups: [
          {
            AutoScalingGroupName: GROUP,
            MinSize: 0,
            MaxSize: 10,
            DesiredCapacity: 0,
            DefaultCooldown: 300,
            AvailabilityZones: [],
            HealthCheckType: 'EC2',
            CreatedTime: new Date(),
            Tags: [{ ResourceId: GROUP, ResourceType: 'auto-scaling-group', Key: 'eks:cluster-name', Value: 'kianax', PropagateAtLaunch: true }],
          },
        ],
        NextToken: 'next',
      })
      .resolvesOnce({ AutoScalingGroups: [] });
    const adapter = new AutoScalingAdapter(new AutoScalingClient({ region: 'us-east-1' }));

    // Act
    const groups = await adapter.describeAutoScalingGroups([GROUP]);

    // Assess
    expect(groups.map((group) => group.AutoScalingGroupName)).toEqual([GROUP]);
    expect(autoScalingMock).toHaveReceivedCommandTimes(DescribeAutoScalingGroupsCommand, 2);
    expect(autoScalingMock).toHaveReceivedNthSpecificCommandWith(2, DescribeAutoScalingGroupsCommand, {
      AutoScalingGroupNames: [GROUP],
      MaxRecords: 100,
      NextToken: 'next',
    });
  });

  it('asks nothing for no names', async () => {
    // Prepare
    const adapter = new AutoScalingAdapter(new AutoScalingClient({ region: 'us-east-1' }));

    // Act
    const groups = await adapter.describeAutoScalingGroups([]);

    // Assess
    expect(groups).toEqual([]);
    expect(autoScalingMock).toHaveReceivedCommandTimes(DescribeAutoScalingGroupsCommand, 0);
  });

  it('sends CreateOrUpdateTags and DeleteTags with the plan request untouched', async () => {
    // Prepare
    const upsert = {
      Tags: [{ ResourceId: GROUP, ResourceType: 'auto-scaling-group', Key: 'k8s.io/cluster-autoscaler/enabled', Value: 'true', PropagateAtLaunch: false }],
    };
    const removal = { Tags: [{ ResourceId: GROUP, ResourceType: 'auto-scaling-group', Key: 'k8s.io/cluster-autoscaler/node-template/taint/workload' }] };
    autoScalingMock.on(CreateOrUpdateTagsCommand).resolves({});
    autoScalingMock.on(DeleteTagsCommand).resolves({});
    const adapter = new AutoScalingAdapter(new AutoScalingClient({ region: 'us-east-1' }));

    // Act
    const results = [
      await adapter.execute({ kind: 'CreateOrUpdateTags', request: structuredClone(upsert) }),
      await adapter.execute({ kind: 'DeleteTags', request: structuredClone(removal) }),
    ];

    // Assess
    expect(results).toEqual([{}, {}]);
    expect(autoScalingMock).toHaveReceivedCommandWith(CreateOrUpdateTagsCommand, upsert);
    expect(autoScalingMock).toHaveReceivedCommandWith(DeleteTagsCommand, removal);
  });

  it.each([
    [
      'ResourceContentionFault',
      () => new ResourceContentionFault({ message: 'You already have a pending update to an Auto Scaling resource', $metadata: {} }),
      ResourceBusyError,
    ],
    ['LimitExceededFault', () => new LimitExceededFault({ message: 'The quota for tags has been reached', $metadata: {} }), RequestRejectedError],
    ['ValidationError', () => serviceError('ValidationError'), RequestRejectedError],
    ['Throttling', () => serviceError('Throttling', { $retryable: { throttling: true } }), ThrottledError],
    ['InternalFailure', () => serviceError('InternalFailure'), UpstreamError],
  ] as const)('turns %s into the typed error, keeping the SDK error as cause', async (code, error, expected) => {
    // Prepare
    const thrown = error();
    autoScalingMock.on(CreateOrUpdateTagsCommand).rejects(thrown);
    const adapter = new AutoScalingAdapter(new AutoScalingClient({ region: 'us-east-1' }));

    // Act
    const rejection = await rejectionOf(
      adapter.execute({ kind: 'CreateOrUpdateTags', request: { Tags: [{ ResourceId: GROUP, ResourceType: 'auto-scaling-group', Key: 'k', Value: 'v' }] } }),
    );

    // Assess
    expect(rejection).toBeInstanceOf(expected);
    expect(rejection.cause).toBe(thrown);
    if (!(rejection instanceof UpstreamError)) throw new Error('expected an UpstreamError');
    expect(rejection.context).toMatchObject({ action: 'CreateOrUpdateTags', code, groups: [GROUP] });
  });
});
