import path from 'node:path';
import { EXIT, main } from '../../cli/main';
import { FakeEks } from '../../testing/fake-eks';

const STARTER = path.join(__dirname, '../../examples/starter/cluster.yaml');

describe('eks-pilot apply --only', () => {
  it('exits 1 with an error naming a target that does not exist and the valid targets, before any call to EKS', async () => {
    // Prepare
    const eks = new FakeEks({ region: 'eu-west-1' });
    let stdout = '';
    let stderr = '';
    const io = { stdout: { write: (text: string) => (stdout += text) }, stderr: { write: (text: string) => (stderr += text) } };
    const deps = () =>
      Promise.resolve({
        eksFor: () => eks,
        now: () => new Date('2026-11-22T12:00:00Z'),
        logger: { info: () => undefined, warn: () => undefined, error: () => undefined },
      });

    // Act
    const code = await main(['apply', '--only', 'nodegroup/nope', STARTER], io, { provision: deps });

    // Assess
    expect(code).toBe(EXIT.error);
    expect(stdout).toBe('');
    expect(stderr).toBe('error: only names nodegroup/nope, which no spec has; the targets are cluster/starter, nodegroup/starter-ng\n');
    expect(eks.calls).toEqual([]);
  });
});
