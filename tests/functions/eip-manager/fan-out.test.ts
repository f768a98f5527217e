import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { handleEipBatch, handleEipEvent } from '../../../functions/eip-manager/invoke';
import type { InvokeDeps } from '../../../functions/eip-manager/invoke';
import { FakeEc2 } from '../../../testing/fake-ec2';
import { FakeFleetQueue } from '../../../testing/fake-fleet-queue';
import { FakeLeases } from '../../../testing/fake-lease';
import { depsFor } from '../../../testing/eip-manager';
import { minimalSpecYaml } from '../../../testing/specs';

const schedule = { 'detail-type': 'Scheduled Event' as const, source: 'aws.events' as const, time: '2026-12-01T10:05:00Z', resources: [] };
const POOL = 'elasticIpPools:\n  - name: ingress\n    count: 1\n    attachTo: { reservedFor: load-balancer }\n';

/** Two clusters with one reserved pool each, in two accounts; each account's EC2 a fake of its own. */
function fleet(): { deps: InvokeDeps; accounts: Map<string, FakeEc2>; queue: FakeFleetQueue } {
  const folder = mkdtempSync(path.join(tmpdir(), 'eks-pilot-eip-fan-out-'));
  const names = ['payments', 'ledger'];
  names.forEach((name, index) => {
    const yaml = minimalSpecYaml({ name, region: 'sa-east-1', account: `44445555666${String(index)}`, nodeGroups: [{ name: 'prod-ng', min: 2, max: 4 }] });
    writeFileSync(path.join(folder, `${name}.yaml`), `${yaml}${POOL}`);
  });
  const accounts = new Map(names.map((name) => [name, new FakeEc2({ region: 'sa-east-1' })]));
  const leases = new FakeLeases();
  const queue = new FakeFleetQueue();
  const base = depsFor(new FakeEc2(), new Date(schedule.time), { leases });
  const deps: InvokeDeps = { ...base, ec2For: (spec) => accounts.get(spec.name) ?? new FakeEc2(), specPaths: [folder], fleetQueue: queue };
  return { deps, accounts, queue };
}

describe('eip-manager fan-out', () => {
  it('sends one apply message per cluster with pools on a scheduled run, and reads no account itself', async () => {
    // Prepare
    const { deps, accounts, queue } = fleet();

    // Act
    const response = await handleEipEvent(schedule, deps);

    // Assess
    expect(response).toMatchObject({ reports: [], fannedOut: { queued: 2, budgets: 2 } });
    expect(queue.sent.map((message) => JSON.parse(message.body) as { function: string; cluster: string; mode: string })).toMatchObject([
      { function: 'eip-manager', cluster: 'ledger', mode: 'apply' },
      { function: 'eip-manager', cluster: 'payments', mode: 'apply' },
    ]);
    expect([...accounts.values()].flatMap((ec2) => ec2.calls)).toEqual([]);
  });

  it('keeps each queued pool whole, and a second delivery allocates nothing more', async () => {
    // Prepare
    const { deps, accounts, queue } = fleet();
    await handleEipEvent(schedule, deps);

    // Act
    const first = await handleEipBatch(queue.event(), deps);
    const again = await handleEipBatch(queue.event(), deps);

    // Assess
    expect(first).toEqual({ batchItemFailures: [] });
    expect(again).toEqual({ batchItemFailures: [] });
    expect([...accounts.values()].map((ec2) => ec2.writes().filter((call) => call.name === 'AllocateAddress').length)).toEqual([1, 1]);
  });

  it('returns the message of a cluster whose account it could not read, and keeps the other pool whole', async () => {
    // Prepare
    const { deps, accounts, queue } = fleet();
    await handleEipEvent(schedule, deps);
    accounts.get('payments')?.failNext('DescribeAddresses', 'unavailable');

    // Act
    const response = await handleEipBatch(queue.event(), deps);

    // Assess
    const payments = queue.sent.find((message) => message.body.includes('"cluster":"payments"'));
    expect(response).toEqual({ batchItemFailures: [{ itemIdentifier: payments?.messageId }] });
    expect(
      accounts
        .get('ledger')
        ?.writes()
        .map((call) => call.name),
    ).toContain('AllocateAddress');
  });
});
