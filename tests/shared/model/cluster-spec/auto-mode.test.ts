import { parseSpec } from '../../../../shared/model/cluster-spec/load';
import { autoModeLines, autoModeSpec, minimalSpecYaml, podIdentityLines } from '../../../../testing/specs';

function specText(extra: readonly string[], version = '1.33'): string {
  return minimalSpecYaml({ name: 'auto', region: 'eu-west-1', version, extra, nodeGroups: [{ name: 'web-ng', min: 1, max: 2 }] });
}

function issuesOf(text: string): string[] {
  const result = parseSpec(text, 'auto.yaml');
  if (result.ok) throw new Error('expected the spec to be rejected');
  return result.issues.map((issue) => `${issue.path}: ${issue.message}`);
}

describe('parseSpec, EKS Auto Mode', () => {
  it('takes the three capabilities with both built-in node pools by default', () => {
    // Prepare
    const lines = autoModeLines('auto').filter((line) => !line.includes('nodePools'));

    // Act
    const result = parseSpec(specText(lines), 'auto.yaml');

    // Assess
    if (!result.ok) throw new Error(JSON.stringify(result.issues));
    expect(result.spec.computeConfig).toEqual({
      enabled: true,
      nodePools: ['general-purpose', 'system'],
      nodeRoleArn: 'arn:aws:iam::111122223333:role/auto-auto-node',
    });
    expect(result.spec.kubernetesNetworkConfig).toEqual({ elasticLoadBalancing: { enabled: true } });
    expect(result.spec.storageConfig).toEqual({ blockStorage: { enabled: true } });
  });

  it('leaves Auto Mode unset when the spec does not name it', () => {
    // Act
    const result = parseSpec(specText([]), 'auto.yaml');

    // Assess
    if (!result.ok) throw new Error(JSON.stringify(result.issues));
    expect(result.spec.computeConfig).toBeUndefined();
    expect(result.spec.podIdentities).toBeUndefined();
  });

  it.each([
    {
      name: 'compute on alone',
      lines: ['authenticationMode: API', 'computeConfig:', '  enabled: true', '  nodeRoleArn: arn:aws:iam::111122223333:role/n'],
      expected: [
        'kubernetesNetworkConfig.elasticLoadBalancing.enabled: EKS Auto Mode takes computeConfig.enabled, kubernetesNetworkConfig.elasticLoadBalancing.enabled and storageConfig.blockStorage.enabled together, all true or all false: set kubernetesNetworkConfig.elasticLoadBalancing.enabled: true',
        'storageConfig.blockStorage.enabled: EKS Auto Mode takes computeConfig.enabled, kubernetesNetworkConfig.elasticLoadBalancing.enabled and storageConfig.blockStorage.enabled together, all true or all false: set storageConfig.blockStorage.enabled: true',
      ],
    },
    {
      name: 'storage off while compute is on',
      lines: autoModeLines('auto').map((line) => line.replace('blockStorage: { enabled: true }', 'blockStorage: { enabled: false }')),
      expected: [
        'storageConfig.blockStorage.enabled: EKS Auto Mode takes computeConfig.enabled, kubernetesNetworkConfig.elasticLoadBalancing.enabled and storageConfig.blockStorage.enabled together, all true or all false: computeConfig.enabled is true',
      ],
    },
    {
      name: 'the aws-auth ConfigMap only',
      lines: autoModeLines('auto').map((line) => line.replace('authenticationMode: API', 'authenticationMode: CONFIG_MAP')),
      expected: ['authenticationMode: EKS Auto Mode needs access entries: authenticationMode API or API_AND_CONFIG_MAP, not CONFIG_MAP'],
    },
    {
      name: 'built-in pools without a node role',
      lines: autoModeLines('auto').filter((line) => !line.includes('nodeRoleArn')),
      expected: [
        'computeConfig: the built-in node pools need computeConfig.nodeRoleArn, the IAM role of the nodes Auto Mode launches (or nodePools: [] for none)',
      ],
    },
    {
      name: 'a node pool Auto Mode does not have',
      lines: autoModeLines('auto').map((line) => line.replace('[general-purpose, system]', '[general-purpose, gpu]')),
      expected: ['computeConfig.nodePools[1]: expected one of "general-purpose"|"system"'],
    },
  ])('refuses $name, naming the field', ({ lines, expected }) => {
    // Act
    const issues = issuesOf(specText(lines));

    // Assess
    expect(issues).toEqual(expected);
  });

  it('refuses Auto Mode on Kubernetes older than 1.29', () => {
    // Act
    const issues = issuesOf(specText(autoModeLines('auto'), '1.28'));

    // Assess
    expect(issues).toEqual(['version: EKS Auto Mode runs Kubernetes 1.29 or later, not 1.28']);
  });

  it('takes Auto Mode turned off, all three false, with no node role', () => {
    // Prepare
    const lines = autoModeLines('auto', '111122223333', false).filter((line) => !line.includes('nodeRoleArn'));

    // Act
    const result = parseSpec(specText(lines), 'auto.yaml');

    // Assess
    expect(result.ok).toBe(true);
  });
});

describe('parseSpec, Pod Identity associations', () => {
  it('takes associations on an Auto Mode cluster, where the agent is built in', () => {
    // Act
    const spec = autoModeSpec();

    // Assess
    expect(spec.podIdentities).toEqual([
      { namespace: 'kube-system', serviceAccount: 'cluster-autoscaler', roleArn: 'arn:aws:iam::111122223333:role/cluster-autoscaler-pods', tags: {} },
      { namespace: 'shop', serviceAccount: 'orders', roleArn: 'arn:aws:iam::111122223333:role/orders-pods', tags: {} },
    ]);
  });

  it('takes associations with the eks-pod-identity-agent add-on', () => {
    // Act
    const result = parseSpec(specText(['addons:', '  - name: eks-pod-identity-agent', ...podIdentityLines(['shop/orders'])]), 'auto.yaml');

    // Assess
    expect(result.ok).toBe(true);
  });

  it('refuses associations without the agent, saying how to add it', () => {
    // Act
    const issues = issuesOf(specText(podIdentityLines(['shop/orders'])));

    // Assess
    expect(issues).toEqual([
      'podIdentities: pod identities need the eks-pod-identity-agent add-on on the nodes: add "- name: eks-pod-identity-agent" under addons (EKS Auto Mode has the agent built in)',
    ]);
  });

  it('refuses a second association for the same service account, pointing at it', () => {
    // Act
    const issues = issuesOf(specText(['addons:', '  - name: eks-pod-identity-agent', ...podIdentityLines(['shop/orders', 'shop/orders'])]));

    // Assess
    expect(issues).toEqual([
      'podIdentities[1].serviceAccount: duplicate pod identity for service account shop/orders (first at podIdentities[0]): EKS takes one association per namespace and service account',
    ]);
  });

  it('refuses the tag eks-pilot sets on its own associations', () => {
    // Prepare
    const lines = ['addons:', '  - name: eks-pod-identity-agent', ...podIdentityLines(['shop/orders']), '    tags: { eks-pilot/managed: "false" }'];

    // Act
    const issues = issuesOf(specText(lines));

    // Assess
    expect(issues).toEqual(['podIdentities[0].tags: eks-pilot/managed is set by eks-pilot on the associations it creates']);
  });

  it('refuses a namespace that is not a Kubernetes name', () => {
    // Act
    const issues = issuesOf(specText(['addons:', '  - name: eks-pod-identity-agent', ...podIdentityLines(['Shop/orders'])]));

    // Assess
    expect(issues).toEqual(['podIdentities[0].namespace: expected a Kubernetes namespace name: lower-case letters, digits and -, at most 63 characters']);
  });
});
