import runningEvent from '../../../events/eip-manager/instance-running.json';
import terminatedEvent from '../../../events/eip-manager/instance-terminated.json';
import type { InstanceStateChange } from '../../../functions/eip-manager/event';
import { handleEipEvent } from '../../../functions/eip-manager/invoke';
import { FakeEc2 } from '../../../testing/fake-ec2';
import { depsFor, FINANCIAL_MOVE } from '../../../testing/eip-manager';

function stateChange(template: typeof runningEvent, instanceId: string): InstanceStateChange {
  return {
    ...template,
    'detail-type': 'EC2 Instance State-change Notification',
    source: 'aws.ec2',
    detail: { ...template.detail, 'instance-id': instanceId, state: template.detail.state as InstanceStateChange['detail']['state'] },
  };
}

describe('handleEipEvent with EC2 instance events', () => {
  it('ends with two distinct addresses when two nodes start together and their running events arrive at once', async () => {
    // Prepare
    const ec2 = new FakeEc2({ region: 'sa-east-1' });
    const deps = { ...depsFor(ec2), specPaths: [FINANCIAL_MOVE] };
    await handleEipEvent({ mode: 'apply', cluster: 'financial-move' }, deps);
    const nodes = [ec2.launchNode('financial-move', 'prod-ng'), ec2.launchNode('financial-move', 'prod-ng')];

    // Act
    await Promise.all(nodes.map((node) => handleEipEvent(stateChange(runningEvent, node), deps)));

    // Assess
    const ips = nodes.map((node) => ec2.addressOf(node)?.PublicIp);
    expect(ips.every((ip) => ip !== undefined)).toBe(true);
    expect(new Set(ips).size).toBe(2);
    expect(ec2.addressesTagged('egress')).toHaveLength(2);
  });

  it('is harmless when events come twice or out of order: the pool is reconciled from what EC2 shows', async () => {
    // Prepare
    const ec2 = new FakeEc2({ region: 'sa-east-1' });
    const deps = { ...depsFor(ec2), specPaths: [FINANCIAL_MOVE] };
    const [old, kept] = [ec2.launchNode('financial-move', 'prod-ng'), ec2.launchNode('financial-move', 'prod-ng')];
    await handleEipEvent({ mode: 'apply', cluster: 'financial-move' }, deps);
    const before = ec2.addressesTagged('egress').map((address) => address.PublicIp);
    ec2.setState(old, 'terminated');
    const replacement = ec2.launchNode('financial-move', 'prod-ng');
    ec2.resetCalls();

    // Act: the replacement's running event arrives twice, then the old node's terminated event, late.
    await handleEipEvent(stateChange(runningEvent, replacement), deps);
    await handleEipEvent(stateChange(runningEvent, replacement), deps);
    await handleEipEvent(stateChange(terminatedEvent, old), deps);

    // Assess
    expect(ec2.writes().map((call) => call.name)).toEqual(['AssociateAddress']);
    expect(ec2.addressOf(kept)).toBeDefined();
    expect(ec2.addressOf(replacement)).toBeDefined();
    expect(ec2.addressesTagged('egress').map((address) => address.PublicIp)).toEqual(before);
  });

  it('does nothing for an instance EC2 no longer knows', async () => {
    // Prepare
    const ec2 = new FakeEc2({ region: 'sa-east-1' });
    const deps = { ...depsFor(ec2), specPaths: [FINANCIAL_MOVE] };

    // Act
    const response = await handleEipEvent(stateChange(terminatedEvent, 'i-0ffffffffffffffff'), deps);

    // Assess
    expect(response.reports).toEqual([]);
    expect(ec2.calls.map((call) => call.name)).toEqual(['DescribeInstances']);
    expect(deps.logs.find((log) => log.message === 'instance not found; nothing to reconcile')).toBeDefined();
  });
});
