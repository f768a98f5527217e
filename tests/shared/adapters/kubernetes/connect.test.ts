import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import type { Cluster } from '@aws-sdk/client-eks';
import { connectToCluster } from '../../../../shared/adapters/kubernetes/connect';
import type { ClusterReader } from '../../../../shared/adapters/kubernetes/connect';
import { EKS_TOKEN_PREFIX } from '../../../../shared/adapters/kubernetes/eks-token';
import type { AwsCredentialsProvider } from '../../../../shared/adapters/kubernetes/eks-token';
import { clusterAccessSettings } from '../../../../shared/config';
import { ClusterUnavailableError, KubeconfigError, KubernetesAccessError, KubernetesUnreachableError } from '../../../../shared/ports/kubernetes-errors';
import type { KubernetesPort } from '../../../../shared/ports/kubernetes';
import { fixture, startFakeApiServer, status } from '../../../../testing/kubernetes-api-server';
import type { FakeApiServer, Handler } from '../../../../testing/kubernetes-api-server';

const ROLE_ARN = 'arn:aws:iam::123456789012:role/eks-pilot-deploy';
const NOW = new Date('2026-11-22T10:00:00Z');
const credentials: AwsCredentialsProvider = () =>
  Promise.resolve({ accessKeyId: 'AKIAIOSFODNN7EXAMPLE', secretAccessKey: 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY' });

const configMap = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'settings', namespace: 'shop' }, data: { mode: 'live' } };
const answerWithConfigMap: Handler = () => ({ status: 200, body: configMap });

const base64 = (text: string): string => Buffer.from(text, 'utf8').toString('base64');

/** A DescribeCluster reader answering `cluster`, counting its calls. */
function eksReturning(cluster: Cluster | null): ClusterReader & { calls: string[] } {
  const calls: string[] = [];
  return {
    calls,
    describeCluster: (name: string) => {
      calls.push(name);
      return Promise.resolve(cluster);
    },
  };
}

describe('connectToCluster', () => {
  const originalEnv = process.env;
  let server: FakeApiServer | undefined;
  let dir: string;

  beforeEach(() => {
    process.env = { ...originalEnv };
    delete process.env.KUBECONFIG;
    delete process.env.AWS_ENDPOINT_URL;
    delete process.env.AWS_ENDPOINT_URL_STS;
    dir = mkdtempSync(join(tmpdir(), 'eks-pilot-k8s-'));
  });

  afterEach(async () => {
    process.env = originalEnv;
    await server?.close();
    server = undefined;
    rmSync(dir, { recursive: true, force: true });
  });

  /** Writes a kubeconfig into the test's folder and returns its path. */
  function kubeconfig(name: string, text: string): string {
    const path = join(dir, name);
    writeFileSync(path, text);
    return path;
  }

  describe('with KUBECONFIG', () => {
    it("talks to the current context's server with its token, and never asks EKS", async () => {
      // Prepare
      server = await startFakeApiServer(answerWithConfigMap);
      process.env.KUBECONFIG = kubeconfig(
        'config',
        `apiVersion: v1
kind: Config
current-context: kind-dev
clusters:
  - name: kind-dev
    cluster: { server: "${server.url}" }
users:
  - name: dev
    user: { token: local-dev-token }
contexts:
  - name: kind-dev
    context: { cluster: kind-dev, user: dev, namespace: shop }
`,
      );
      const eks = eksReturning(null);

      // Act
      const k8s = await connectToCluster({ ...clusterAccessSettings(), clusterName: 'payments', region: 'eu-west-1', eks });
      const found = await k8s.get('v1', 'ConfigMap', 'shop', 'settings');

      // Assess
      expect(found?.data).toEqual({ mode: 'live' });
      expect(server.requests[0]?.headers.authorization).toBe('Bearer local-dev-token');
      expect(server.requests[0]?.path).toBe('/api/v1/namespaces/shop/configmaps/settings');
      expect(k8s.target).toEqual({ cluster: 'kind-dev', server: server.url, via: 'kubeconfig' });
      expect(eks.calls).toEqual([]);
    });

    it('presents an inline client certificate and trusts an inline CA, as kind writes them (mutual TLS)', async () => {
      // Prepare
      server = await startFakeApiServer(answerWithConfigMap, 'mutual');
      process.env.KUBECONFIG = kubeconfig(
        'kind',
        `current-context: kind-kind
clusters:
- name: kind-kind
  cluster:
    server: ${server.url}
    certificate-authority-data: ${base64(fixture('ca.crt'))}
users:
- name: kind-kind
  user:
    client-certificate-data: ${base64(fixture('client.crt'))}
    client-key-data: ${base64(fixture('client.key'))}
contexts:
- name: kind-kind
  context: { cluster: kind-kind, user: kind-kind }
`,
      );

      // Act
      const k8s = await connectToCluster({ ...clusterAccessSettings(), clusterName: 'payments', region: 'eu-west-1' });
      await k8s.apply(configMap, { fieldManager: 'eks-pilot-deploy', force: true });

      // Assess
      expect(server.requests[0]?.clientCertificateCn).toBe('kind-admin');
      expect(server.requests[0]?.headers.authorization).toBeUndefined();
      expect(server.requests[0]?.headers['content-type']).toBe('application/apply-patch+yaml');
    });

    it('reads the CA, certificate and key from files next to the kubeconfig, as minikube writes them', async () => {
      // Prepare
      server = await startFakeApiServer(answerWithConfigMap, 'mutual');
      writeFileSync(join(dir, 'ca.crt'), fixture('ca.crt'));
      writeFileSync(join(dir, 'client.crt'), fixture('client.crt'));
      writeFileSync(join(dir, 'client.key'), fixture('client.key'));
      process.env.KUBECONFIG = kubeconfig(
        'minikube',
        `current-context: minikube
clusters:
- name: minikube
  cluster: { server: "${server.url}", certificate-authority: ca.crt }
users:
- name: minikube
  user: { client-certificate: client.crt, client-key: client.key }
contexts:
- name: minikube
  context: { cluster: minikube, user: minikube }
`,
      );

      // Act
      const k8s = await connectToCluster({ ...clusterAccessSettings(), clusterName: 'payments', region: 'eu-west-1' });
      await k8s.get('v1', 'ConfigMap', 'shop', 'settings');

      // Assess
      expect(server.requests[0]?.clientCertificateCn).toBe('kind-admin');
    });

    it('merges several files as kubectl does: the first to set current-context or define a name wins', async () => {
      // Prepare
      server = await startFakeApiServer(answerWithConfigMap);
      const first = kubeconfig('first', `current-context: dev\nusers:\n- name: dev\n  user: { token: first-token }\n`);
      const second = kubeconfig(
        'second',
        `current-context: other
clusters:
- name: dev
  cluster: { server: "${server.url}" }
users:
- name: dev
  user: { token: second-token }
contexts:
- name: dev
  context: { cluster: dev, user: dev }
`,
      );
      process.env.KUBECONFIG = [first, second].join(delimiter);

      // Act
      const k8s = await connectToCluster({ ...clusterAccessSettings(), clusterName: 'payments', region: 'eu-west-1' });
      await k8s.get('v1', 'ConfigMap', 'shop', 'settings');

      // Assess
      expect(k8s.target.cluster).toBe('dev');
      expect(server.requests[0]?.headers.authorization).toBe('Bearer first-token');
    });

    it('refuses an exec credential plugin, saying so and how to use EKS instead', async () => {
      // Prepare
      process.env.KUBECONFIG = kubeconfig(
        'eks',
        `current-context: arn:aws:eks:eu-west-1:123456789012:cluster/payments
clusters:
- name: arn:aws:eks:eu-west-1:123456789012:cluster/payments
  cluster: { server: "https://ABC.gr7.eu-west-1.eks.amazonaws.com" }
users:
- name: eks-admin
  user:
    exec:
      apiVersion: client.authentication.k8s.io/v1beta1
      command: aws
      args: [eks, get-token, --cluster-name, payments]
contexts:
- name: arn:aws:eks:eu-west-1:123456789012:cluster/payments
  context: { cluster: "arn:aws:eks:eu-west-1:123456789012:cluster/payments", user: eks-admin }
`,
      );

      // Act
      const connecting = connectToCluster({ ...clusterAccessSettings(), clusterName: 'payments', region: 'eu-west-1' });

      // Assess
      await expect(connecting).rejects.toThrow(KubeconfigError);
      await expect(connecting).rejects.toThrow(
        /user "eks-admin" in .*eks uses an exec credential plugin, which eks-pilot does not run \(for EKS, unset KUBECONFIG/,
      );
    });

    it('refuses a kubeconfig without a current context', async () => {
      // Prepare
      process.env.KUBECONFIG = kubeconfig('empty', 'apiVersion: v1\nkind: Config\nclusters: []\n');

      // Act
      const connecting = connectToCluster({ ...clusterAccessSettings(), clusterName: 'payments', region: 'eu-west-1' });

      // Assess
      await expect(connecting).rejects.toThrow(KubeconfigError);
      await expect(connecting).rejects.toThrow(/no current-context/);
    });

    it('names the missing file when KUBECONFIG points nowhere', async () => {
      // Prepare
      process.env.KUBECONFIG = join(dir, 'missing');

      // Act
      const connecting = connectToCluster({ ...clusterAccessSettings(), clusterName: 'payments', region: 'eu-west-1' });

      // Assess
      await expect(connecting).rejects.toThrow(`cannot read kubeconfig ${join(dir, 'missing')}`);
    });
  });

  describe('with EKS', () => {
    it('connects over TLS with the endpoint and CA from DescribeCluster and an IAM token for the cluster', async () => {
      // Prepare
      server = await startFakeApiServer(answerWithConfigMap, 'server');
      const eks = eksReturning({ name: 'payments', status: 'ACTIVE', endpoint: server.url, certificateAuthority: { data: base64(fixture('ca.crt')) } });

      // Act
      const k8s: KubernetesPort = await connectToCluster({
        ...clusterAccessSettings(),
        clusterName: 'payments',
        region: 'eu-west-1',
        eks,
        credentials,
        now: () => NOW,
      });
      await k8s.get('v1', 'ConfigMap', 'shop', 'settings');
      await k8s.get('v1', 'ConfigMap', 'shop', 'settings');

      // Assess
      expect(eks.calls).toEqual(['payments']);
      expect(k8s.target).toEqual({ cluster: 'payments', server: server.url, via: 'eks' });
      const [first = '', second] = server.requests.map((r) => r.headers.authorization ?? '');
      expect(second).toBe(first);
      expect(first.startsWith(`Bearer ${EKS_TOKEN_PREFIX}`)).toBe(true);
      const url = new URL(Buffer.from(first.slice(`Bearer ${EKS_TOKEN_PREFIX}`.length), 'base64url').toString('utf8'));
      expect(url.host).toBe('sts.eu-west-1.amazonaws.com');
      expect(url.searchParams.get('X-Amz-SignedHeaders')).toBe('host;x-k8s-aws-id');
      expect(url.searchParams.get('X-Amz-Date')).toBe('20261122T100000Z');
    });

    it('uses the endpoint and CA it is given, and names the access entry when the cluster answers 403', async () => {
      // Prepare
      server = await startFakeApiServer(
        () =>
          status(
            403,
            'Forbidden',
            'configmaps "settings" is forbidden: User "arn:aws:sts::123456789012:assumed-role/eks-pilot-deploy/eks-pilot" cannot get resource "configmaps"',
          ),
        'server',
      );
      const k8s = await connectToCluster({
        ...clusterAccessSettings(),
        clusterName: 'payments',
        region: 'eu-west-1',
        cluster: { endpoint: server.url, certificateAuthorityData: base64(fixture('ca.crt')) },
        credentials,
        assumeRoleArn: ROLE_ARN,
        now: () => NOW,
      });

      // Act
      const error = await k8s.get('v1', 'ConfigMap', 'shop', 'settings').catch((e: unknown) => e);

      // Assess
      expect(error).toBeInstanceOf(KubernetesAccessError);
      expect((error as Error).message).toContain('Kubernetes API of cluster payments forbids us to get ConfigMap shop/settings (403 Forbidden)');
      expect((error as Error).message).toContain(`The EKS access entry for ${ROLE_ARN} may be missing on cluster payments`);
    });

    it('refuses a server whose certificate the cluster CA did not sign', async () => {
      // Prepare
      server = await startFakeApiServer(answerWithConfigMap, 'server');
      const k8s = await connectToCluster({
        ...clusterAccessSettings(),
        clusterName: 'payments',
        region: 'eu-west-1',
        cluster: { endpoint: server.url, certificateAuthorityData: base64(fixture('client.crt')) },
        credentials,
        now: () => NOW,
      });

      // Act
      const error = await k8s.get('v1', 'ConfigMap', 'shop', 'settings').catch((e: unknown) => e);

      // Assess
      expect(error).toBeInstanceOf(KubernetesUnreachableError);
      expect((error as Error).message).toMatch(
        /^TLS with the Kubernetes API of cluster payments at 127\.0\.0\.1:\d+ failed \((SELF_SIGNED_CERT_IN_CHAIN|UNABLE_TO_GET_ISSUER_CERT_LOCALLY)\)/,
      );
      expect(server.requests).toHaveLength(0);
    });

    it('says the cluster is unavailable when DescribeCluster finds none', async () => {
      // Prepare
      const eks = eksReturning(null);

      // Act
      const connecting = connectToCluster({ ...clusterAccessSettings(), clusterName: 'payments', region: 'eu-west-1', eks, credentials });

      // Assess
      await expect(connecting).rejects.toThrow(ClusterUnavailableError);
      await expect(connecting).rejects.toThrow('EKS cluster payments not found in eu-west-1');
    });

    it('says the cluster is unavailable while it has no endpoint yet', async () => {
      // Prepare
      const eks = eksReturning({ name: 'payments', status: 'CREATING' });

      // Act
      const connecting = connectToCluster({ ...clusterAccessSettings(), clusterName: 'payments', region: 'eu-west-1', eks, credentials });

      // Assess
      await expect(connecting).rejects.toThrow('EKS cluster payments in eu-west-1 has no API endpoint or CA yet (status CREATING)');
    });

    it('wraps a credential failure in an UpstreamError that names the cluster', async () => {
      // Prepare
      server = await startFakeApiServer(answerWithConfigMap, 'server');
      const k8s = await connectToCluster({
        ...clusterAccessSettings(),
        clusterName: 'payments',
        region: 'eu-west-1',
        cluster: { endpoint: server.url, certificateAuthorityData: base64(fixture('ca.crt')) },
        credentials: () => Promise.reject(new Error('Could not load credentials from any providers')),
      });

      // Act
      const error = await k8s.get('v1', 'ConfigMap', 'shop', 'settings').catch((e: unknown) => e);

      // Assess
      expect((error as Error).message).toBe('cannot sign an EKS token for cluster payments: no usable AWS credentials');
      expect(((error as Error).cause as Error).message).toBe('Could not load credentials from any providers');
      expect(server.requests).toHaveLength(0);
    });
  });
});
