import { EMPTY_ACCOUNT } from '../../../../functions/provision/observed';
import { specTargets, targetFits } from '../../../../functions/provision/plan';
import { planStatus } from '../../../../shared/model/plan/plan';
import type { ClusterSpec } from '../../../../shared/model/cluster-spec/schema';
import type { Observed, Step } from './support';
import { ACCOUNT, BASE, convergedPodIdentity, drifted, must, plan, steps, withSpec } from './support';

const AUTOSCALER_ROLE = `arn:aws:iam::${ACCOUNT}:role/cluster-autoscaler-pods`;
const ORDERS_ROLE = `arn:aws:iam::${ACCOUNT}:role/orders-pods`;
const SPEC: ClusterSpec = withSpec({
  addons: [...BASE.addons, { name: 'eks-pod-identity-agent', resolveConflicts: 'OVERWRITE', tags: {} }],
  podIdentities: [
    { namespace: 'kube-system', serviceAccount: 'cluster-autoscaler', roleArn: AUTOSCALER_ROLE, tags: {} },
    { namespace: 'shop', serviceAccount: 'orders', roleArn: ORDERS_ROLE, tags: { team: 'shop' } },
  ],
});

const associations = (o: Observed) => must(o.podIdentities, 'the associations read');
const identityAt = (o: Observed, index: number) => must(associations(o)[index], `pod identity ${index}`);

/** An association someone else made for shop/legacy (no eks-pilot tag). */
function foreign(o: Observed, tags: Record<string, string> = {}): void {
  const made = convergedPodIdentity(SPEC, { namespace: 'shop', serviceAccount: 'legacy', roleArn: `arn:aws:iam::${ACCOUNT}:role/legacy`, tags: {} }, 9);
  associations(o).push({ ...made, association: { ...made.association, tags } });
}

describe('planCluster, Pod Identity associations', () => {
  it('creates each association with the managed tag and a client request token, after the cluster', () => {
    // Act
    const creates = plan(SPEC, EMPTY_ACCOUNT).actions.filter((action) => action.kind === 'CreatePodIdentityAssociation');

    // Assess
    expect(creates.map((action) => action.target.name)).toEqual(['kube-system/cluster-autoscaler', 'shop/orders']);
    expect(creates[1]?.request).toEqual({
      clusterName: 'orders',
      namespace: 'shop',
      serviceAccount: 'orders',
      roleArn: ORDERS_ROLE,
      clientRequestToken: expect.stringMatching(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/) as unknown,
      tags: { team: 'shop', 'eks-pilot/managed': 'true' },
    });
    expect(creates[1]?.after).toEqual(['cluster/orders']);
  });

  it('sends the same client request token on every run, and another for another role', () => {
    // Act
    const tokenOf = (spec: ClusterSpec): unknown =>
      (plan(spec, EMPTY_ACCOUNT).actions.find((action) => action.kind === 'CreatePodIdentityAssociation')?.request as { clientRequestToken?: string })
        .clientRequestToken;
    const otherRole = withSpec({
      ...SPEC,
      podIdentities: [{ namespace: 'kube-system', serviceAccount: 'cluster-autoscaler', roleArn: ORDERS_ROLE, tags: {} }],
    });

    // Assess
    expect(tokenOf(SPEC)).toBe(tokenOf(SPEC));
    expect(tokenOf(otherRole)).not.toBe(tokenOf(SPEC));
  });

  it.each<{ name: string; observe: (o: Observed) => void; expected: Step[] }>([
    {
      name: 'creates the association that is missing',
      observe: (o) => {
        associations(o).splice(0, 1);
      },
      expected: [
        {
          kind: 'CreatePodIdentityAssociation',
          target: 'pod-identity/kube-system/cluster-autoscaler',
          classification: 'create',
          request: expect.objectContaining({ namespace: 'kube-system', serviceAccount: 'cluster-autoscaler', roleArn: AUTOSCALER_ROLE }) as unknown,
        },
      ],
    },
    {
      name: 'updates the role of an association eks-pilot created',
      observe: (o) => {
        must(identityAt(o, 1).association, 'association').roleArn = `arn:aws:iam::${ACCOUNT}:role/older-orders`;
      },
      expected: [
        {
          kind: 'UpdatePodIdentityAssociation',
          target: 'pod-identity/shop/orders',
          classification: 'update',
          request: { clusterName: 'orders', associationId: 'a-00000000000000001', roleArn: ORDERS_ROLE },
        },
      ],
    },
    {
      name: "corrects the spec's tags on an association eks-pilot created",
      observe: (o) => {
        must(identityAt(o, 1).association, 'association').tags = { 'eks-pilot/managed': 'true', team: 'ops' };
      },
      expected: [
        {
          kind: 'TagResource',
          target: 'pod-identity/shop/orders',
          classification: 'update',
          request: { resourceArn: `arn:aws:eks:eu-west-1:${ACCOUNT}:podidentityassociation/orders/a-00000000000000001`, tags: { team: 'shop' } },
        },
      ],
    },
    {
      name: 'deletes an association eks-pilot created that the spec no longer lists',
      observe: (o) => {
        associations(o).push(convergedPodIdentity(SPEC, { namespace: 'shop', serviceAccount: 'old', roleArn: ORDERS_ROLE, tags: {} }, 7));
      },
      expected: [
        {
          kind: 'DeletePodIdentityAssociation',
          target: 'pod-identity/shop/old',
          classification: 'delete',
          request: { clusterName: 'orders', associationId: 'a-00000000000000007' },
        },
      ],
    },
    {
      name: 'leaves an association someone else made alone',
      observe: (o) => {
        foreign(o);
      },
      expected: [],
    },
    {
      name: 'leaves an association tagged eks-pilot/managed other than "true" alone',
      observe: (o) => {
        foreign(o, { 'eks-pilot/managed': 'false' });
      },
      expected: [],
    },
    {
      name: 'leaves an association an add-on owns alone, whatever its tags',
      observe: (o) => {
        const made = convergedPodIdentity(SPEC, { namespace: 'kube-system', serviceAccount: 'ebs-csi-controller-sa', roleArn: ORDERS_ROLE, tags: {} }, 8);
        associations(o).push({ summary: { ...made.summary, ownerArn: `arn:aws:eks:eu-west-1:${ACCOUNT}:addon/orders/aws-ebs-csi-driver/x` } });
      },
      expected: [],
    },
    {
      name: "takes someone else's association with the spec's role as it is",
      observe: (o) => {
        must(identityAt(o, 0).association, 'association').tags = {};
      },
      expected: [],
    },
  ])('$name', ({ observe, expected }) => {
    // Act
    const result = plan(SPEC, drifted(SPEC, observe));

    // Assess
    expect(steps(result)).toEqual(expected);
  });

  it.each<{ name: string; observe: (o: Observed) => void; reason: string }>([
    {
      name: "someone else's association with another role",
      observe: (o) => {
        const association = must(identityAt(o, 1).association, 'association');
        association.tags = {};
        association.roleArn = `arn:aws:iam::${ACCOUNT}:role/theirs`;
      },
      reason: 'eks-pilot did not create this Pod Identity association (no eks-pilot/managed tag) and will not change it',
    },
    {
      name: 'an association an add-on owns for a service account the spec names',
      observe: (o) => {
        const found = identityAt(o, 1);
        associations(o)[1] = { summary: { ...found.summary, ownerArn: `arn:aws:eks:eu-west-1:${ACCOUNT}:addon/orders/some-addon/x` } };
      },
      reason: 'an add-on owns this Pod Identity association',
    },
  ])('refuses to change $name', ({ observe, reason }) => {
    // Act
    const result = plan(SPEC, drifted(SPEC, observe));

    // Assess
    expect(planStatus(result)).toBe('blocked');
    expect(result.actions.map((action) => `${action.kind} ${action.reason.slice(0, reason.length)}`)).toEqual([`Refuse ${reason}`]);
  });

  it('deletes every association eks-pilot created when the spec lists none, and reads as a fit for only', () => {
    // Prepare
    const spec = withSpec({ ...SPEC, podIdentities: [] });

    // Act
    const result = plan(
      spec,
      drifted(SPEC, (o) => {
        foreign(o);
      }),
    );

    // Assess
    expect(steps(result).map((item) => `${item.kind} ${item.target}`)).toEqual([
      'DeletePodIdentityAssociation pod-identity/kube-system/cluster-autoscaler',
      'DeletePodIdentityAssociation pod-identity/shop/orders',
    ]);
    expect(targetFits(spec, 'pod-identity/shop/orders')).toBe(true);
  });

  it('plans nothing for associations when the spec has no podIdentities, whatever the cluster holds', () => {
    // Act
    const result = plan(
      BASE,
      drifted(SPEC, (o) => {
        foreign(o);
      }),
    );

    // Assess
    expect(result.actions.filter((action) => action.target.kind === 'pod-identity')).toEqual([]);
    expect(targetFits(BASE, 'pod-identity/shop/orders')).toBe(false);
  });

  it('plans nothing for associations this run did not read, not even a create', () => {
    // Prepare: a five-minute check on a cluster more than an hour old reads no associations.
    const observed = drifted(SPEC, () => undefined);
    delete observed.podIdentities;

    // Act
    const result = plan(SPEC, observed);

    // Assess
    expect(result.actions.filter((action) => action.target.kind === 'pod-identity')).toEqual([]);
  });

  it('lists the spec’s associations among the targets only may name', () => {
    // Act
    const targets = specTargets(SPEC);

    // Assess
    expect(targets).toEqual(expect.arrayContaining(['pod-identity/kube-system/cluster-autoscaler', 'pod-identity/shop/orders']));
  });
});
