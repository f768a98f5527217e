import path from 'node:path';
import { EXIT, main } from '../../../cli/main';
import { ClusterUnavailableError } from '../../../shared/ports/kubernetes-errors';
import { FakeEc2 } from '../../../testing/fake-ec2';
import { FakeEks } from '../../../testing/fake-eks';
import { depsFor, EXAMPLES, FINANCIAL_MOVE, financialMove } from '../../../testing/eip-manager';

async function run(argv: string[]) {
  let stdout = '';
  let stderr = '';
  const code = await main(argv, { stdout: { write: (text: string) => (stdout += text) }, stderr: { write: (text: string) => (stderr += text) } });
  return { code, stdout, stderr };
}

describe('eks-pilot plan with Elastic IP pools', () => {
  it("shows the pools' plan after the cluster's in the offline plan of financial-move", async () => {
    // Act
    const result = await run(['plan', '--offline', path.join(FINANCIAL_MOVE, 'cluster.yaml')]);

    // Assess
    expect(result.code).toBe(EXIT.ok);
    expect(result.stderr).toBe('');
    expect(result.stdout).toContain(`Elastic IP pools of financial-move (sa-east-1) from ${path.join(FINANCIAL_MOVE, 'cluster.yaml')}`);
    expect(result.stdout.indexOf('Elastic IP pools of')).toBeGreaterThan(result.stdout.indexOf('Cluster financial-move'));
    expect(result.stdout).toMatch(/AllocateAddress +eip-pool\/egress +create +pool egress holds 0 of 2 addresses/);
    expect(result.stdout).toContain('    egress (node group prod-ng): 0 of 2 held, 2 to allocate -> /eks-pilot/dev/sa-east-1/financial-move/eip-pools/egress');
    expect(result.stdout).toContain(
      '    ingress (reserved for a load balancer): 0 of 2 held, 2 to allocate -> /eks-pilot/dev/sa-east-1/financial-move/eip-pools/ingress',
    );
  });

  it("adds the pools' plan to the JSON, and prints none for a spec without pools", async () => {
    // Act
    const withPools = await run(['plan', '--offline', '--json', path.join(FINANCIAL_MOVE, 'cluster.yaml')]);
    const without = await run(['plan', '--offline', path.join(EXAMPLES, 'starter/cluster.yaml')]);

    // Assess
    const json = JSON.parse(withPools.stdout) as { plans: { cluster: string; actions: { kind: string }[] }[] };
    expect(json.plans).toHaveLength(2);
    expect(json.plans[1]?.actions.map((action) => action.kind)).toEqual(['AllocateAddress', 'AllocateAddress', 'AllocateAddress', 'AllocateAddress']);
    expect(without.stdout).not.toContain('Elastic IP pools');
  });

  it("reads the account for the pools' plan without --offline, printing the addresses each pool holds, and writes nothing", async () => {
    // Prepare
    const spec = await financialMove();
    const eks = new FakeEks({ region: 'sa-east-1' });
    eks.seedFromSpec(spec);
    const ec2 = new FakeEc2({ region: 'sa-east-1' });
    const held = ec2.addressesTagged('ingress');
    ec2.seedAddress({ tags: { 'eks-pilot/cluster': 'financial-move', 'eks-pilot/pool': 'ingress' } });
    const ip = ec2.addressesTagged('ingress')[0]?.PublicIp ?? '?';
    let stdout = '';
    const io = { stdout: { write: (text: string) => (stdout += text) }, stderr: { write: () => true } };
    const quiet = { info: () => undefined, warn: () => undefined, error: () => undefined };

    // Act
    const code = await main(['plan', '--detailed-exitcode', path.join(FINANCIAL_MOVE, 'cluster.yaml')], io, {
      provision: () => Promise.resolve({ eksFor: () => eks, now: () => new Date(), logger: quiet }),
      eip: () => Promise.resolve(depsFor(ec2)),
      // No cluster API in this test: the workloads are planned offline, with a warning.
      kubernetes: () => Promise.resolve(() => Promise.reject(new ClusterUnavailableError('no cluster API in this test'))),
    });

    // Assess
    expect(held).toEqual([]);
    expect(ec2.writes()).toEqual([]);
    expect(eks.writes()).toEqual([]);
    expect(stdout).toContain('  No changes. The cluster matches its spec.');
    expect(stdout).toContain(
      `    ingress (reserved for a load balancer): 1 of 2 held, 1 to allocate: ${ip} -> /eks-pilot/dev/sa-east-1/financial-move/eip-pools/ingress`,
    );
    expect(code).toBe(EXIT.changesPending);
  });
});
