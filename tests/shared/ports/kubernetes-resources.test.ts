import { InvalidObjectError, UnsupportedKindError } from '../../../shared/ports/kubernetes-errors';
import { KNOWN_KINDS, resourceFor, resourcePath } from '../../../shared/ports/kubernetes-resources';

describe('resourcePath', () => {
  it.each([
    ['v1', 'Namespace', undefined, '/api/v1/namespaces/shop'],
    ['v1', 'ServiceAccount', 'shop', '/api/v1/namespaces/shop/serviceaccounts/web'],
    ['v1', 'ConfigMap', 'shop', '/api/v1/namespaces/shop/configmaps/web'],
    ['v1', 'Secret', 'shop', '/api/v1/namespaces/shop/secrets/web'],
    ['v1', 'Service', 'shop', '/api/v1/namespaces/shop/services/web'],
    ['apps/v1', 'Deployment', 'shop', '/apis/apps/v1/namespaces/shop/deployments/web'],
    ['apps/v1', 'StatefulSet', 'shop', '/apis/apps/v1/namespaces/shop/statefulsets/web'],
    ['apps/v1', 'DaemonSet', 'shop', '/apis/apps/v1/namespaces/shop/daemonsets/web'],
    ['batch/v1', 'Job', 'shop', '/apis/batch/v1/namespaces/shop/jobs/web'],
    ['batch/v1', 'CronJob', 'shop', '/apis/batch/v1/namespaces/shop/cronjobs/web'],
    ['autoscaling/v2', 'HorizontalPodAutoscaler', 'shop', '/apis/autoscaling/v2/namespaces/shop/horizontalpodautoscalers/web'],
    ['policy/v1', 'PodDisruptionBudget', 'shop', '/apis/policy/v1/namespaces/shop/poddisruptionbudgets/web'],
    ['networking.k8s.io/v1', 'Ingress', 'shop', '/apis/networking.k8s.io/v1/namespaces/shop/ingresses/web'],
    ['networking.k8s.io/v1', 'NetworkPolicy', 'shop', '/apis/networking.k8s.io/v1/namespaces/shop/networkpolicies/web'],
    ['keda.sh/v1alpha1', 'ScaledObject', 'shop', '/apis/keda.sh/v1alpha1/namespaces/shop/scaledobjects/web'],
    ['eks.amazonaws.com/v1', 'IngressClassParams', undefined, '/apis/eks.amazonaws.com/v1/ingressclassparams/web'],
  ])('maps %s %s to its REST path', (apiVersion, kind, namespace, expected) => {
    // Prepare
    const name = kind === 'Namespace' ? 'shop' : 'web';

    // Act
    const path = resourcePath(apiVersion, kind, namespace, name);

    // Assess
    expect(path).toBe(expected);
  });

  it('covers every kind deploy (its workloads and platform components) and scale-watch use, and no other', () => {
    // Prepare
    const expected = [
      'Namespace',
      'ServiceAccount',
      'ConfigMap',
      'Secret',
      'Service',
      'Deployment',
      'StatefulSet',
      'DaemonSet',
      'Job',
      'CronJob',
      'HorizontalPodAutoscaler',
      'PodDisruptionBudget',
      'Ingress',
      'NetworkPolicy',
      'ScaledObject',
      'ClusterRole',
      'ClusterRoleBinding',
      'Role',
      'RoleBinding',
      'IngressClassParams',
      'IngressClass',
      'ValidatingWebhookConfiguration',
      'CustomResourceDefinition',
      'MutatingWebhookConfiguration',
      'IngressClassParams',
    ];

    // Act
    const kinds = KNOWN_KINDS.map((type) => type.kind);

    // Assess
    expect(kinds).toEqual(expected);
  });

  it.each([
    [
      'apiextensions.k8s.io/v1',
      'CustomResourceDefinition',
      'targetgroupbindings.elbv2.k8s.aws',
      '/apis/apiextensions.k8s.io/v1/customresourcedefinitions/targetgroupbindings.elbv2.k8s.aws',
    ],
    [
      'admissionregistration.k8s.io/v1',
      'MutatingWebhookConfiguration',
      'aws-load-balancer-webhook',
      '/apis/admissionregistration.k8s.io/v1/mutatingwebhookconfigurations/aws-load-balancer-webhook',
    ],
    ['elbv2.k8s.aws/v1beta1', 'IngressClassParams', 'alb', '/apis/elbv2.k8s.aws/v1beta1/ingressclassparams/alb'],
    ['eks.amazonaws.com/v1', 'IngressClassParams', 'alb', '/apis/eks.amazonaws.com/v1/ingressclassparams/alb'],
  ])('builds the cluster-scoped path of %s %s %s, with no namespace', (apiVersion, kind, name, expected) => {
    // Act
    const built = resourcePath(apiVersion, kind, 'kube-system', name);

    // Assess
    expect(built).toBe(expected);
  });

  it('builds collection paths, in one namespace or across all of them', () => {
    // Prepare
    const apiVersion = 'apps/v1';

    // Act
    const inNamespace = resourcePath(apiVersion, 'Deployment', 'shop');
    const everywhere = resourcePath(apiVersion, 'Deployment');

    // Assess
    expect(inNamespace).toBe('/apis/apps/v1/namespaces/shop/deployments');
    expect(everywhere).toBe('/apis/apps/v1/deployments');
  });

  it('ignores a namespace given for a cluster-scoped kind', () => {
    // Prepare
    const namespace = 'default';

    // Act
    const path = resourcePath('v1', 'Namespace', namespace, 'shop');

    // Assess
    expect(path).toBe('/api/v1/namespaces/shop');
  });

  it('percent-encodes names so that they stay one path segment', () => {
    // Prepare
    const name = 'web/../x';

    // Act
    const path = resourcePath('v1', 'ConfigMap', 'shop', name);

    // Assess
    expect(path).toBe('/api/v1/namespaces/shop/configmaps/web%2F..%2Fx');
  });

  it('needs a namespace for an object of a namespaced kind', () => {
    // Prepare
    const namespace = undefined;

    // Act
    const building = () => resourcePath('apps/v1', 'Deployment', namespace, 'web');

    // Assess
    expect(building).toThrow(InvalidObjectError);
    expect(building).toThrow('Deployment "web" needs a namespace: Deployment is a namespaced kind');
  });
});

describe('resourceFor', () => {
  it('refuses a kind outside the table and lists the ones it knows', () => {
    // Prepare
    const kind = 'ReplicaSet';

    // Act
    const resolving = () => resourceFor('apps/v1', kind);

    // Assess
    expect(resolving).toThrow(UnsupportedKindError);
    expect(resolving).toThrow(/eks-pilot does not know the kind ReplicaSet in apiVersion "apps\/v1": known kinds: Namespace, ServiceAccount/);
  });

  it('refuses a known kind under the wrong API group and says which group it belongs to', () => {
    // Prepare
    const apiVersion = 'v1';

    // Act
    const resolving = () => resourceFor(apiVersion, 'Deployment');

    // Assess
    expect(resolving).toThrow(
      'eks-pilot does not know the kind Deployment in apiVersion "v1": Deployment belongs to the API group "apps" (e.g. apiVersion apps/<version>)',
    );
  });

  it("names both API groups of IngressClassParams, EKS Auto Mode's and the AWS Load Balancer Controller's, for another group", () => {
    // Act
    const resolving = () => resourceFor('networking.k8s.io/v1', 'IngressClassParams');

    // Assess
    expect(resolving).toThrow(
      'eks-pilot does not know the kind IngressClassParams in apiVersion "networking.k8s.io/v1": IngressClassParams belongs to the API group "eks.amazonaws.com" (e.g. apiVersion eks.amazonaws.com/<version>) or IngressClassParams belongs to the API group "elbv2.k8s.aws" (e.g. apiVersion elbv2.k8s.aws/<version>)',
    );
  });

  it('takes any version of a known group, leaving a version the cluster does not serve to the API server', () => {
    // Prepare
    const apiVersion = 'autoscaling/v1';

    // Act
    const resource = resourceFor(apiVersion, 'HorizontalPodAutoscaler');

    // Assess
    expect(resource).toMatchObject({ group: 'autoscaling', version: 'v1', plural: 'horizontalpodautoscalers', groupVersionPath: '/apis/autoscaling/v1' });
  });
});
