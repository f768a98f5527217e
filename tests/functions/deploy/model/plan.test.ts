import { forbidden } from '../../../../functions/deploy/worker/apply';
import type { RolloutState } from '../../../../functions/deploy/model/plan';
import { imagesRefusal, planPrune, planPush, planWatch, refuse } from '../../../../functions/deploy/model/plan';
import type { KubernetesObject } from '../../../../shared/ports/kubernetes';
import type { ReleaseRecord } from '../../../../functions/deploy/model/releases';
import { capHistory, MAX_REFUSALS, MAX_RELEASES } from '../../../../functions/deploy/model/releases';
import type { DeployTarget } from '../../../../functions/deploy/model/targets';
import { targetsOf } from '../../../../functions/deploy/model/targets';
import { KubernetesAccessError } from '../../../../shared/ports/kubernetes-errors';
import { loadSpecs } from '../../../../shared/model/cluster-spec/load';
import { CRYPTO_OMS, digestOf } from '../../../../testing/deploy-events';

const WEB = 'ghcr.io/crypto-oms/order-ingestion';
const NOW = new Date('2026-11-22T12:00:00Z');

function record(revision: number, result: ReleaseRecord['result'], tag = `v1.${revision}.0`): ReleaseRecord {
  const image = { repository: WEB, tag, digest: digestOf(`${revision}`) };
  return {
    revision,
    cluster: 'crypto-oms',
    workload: 'crypto-oms',
    kind: 'deploy',
    image,
    images: { [WEB]: `${WEB}:${tag}@${image.digest}` },
    deliveryId: `d${revision}`,
    startedAt: NOW.toISOString(),
    result,
  };
}

describe('deploy plan', () => {
  let target: DeployTarget;

  beforeAll(async () => {
    const [found] = await targetsOf(await loadSpecs([CRYPTO_OMS]));
    if (found === undefined) throw new Error('no crypto-oms target');
    target = found;
  });

  it.each([
    [
      'the running release and the last succeeded one behind 60 refusals',
      [record(1, 'succeeded'), record(2, 'failed'), ...Array.from({ length: 60 }, (_, index) => record(3 + index, 'refused'))],
      [1, 2],
    ],
    [
      'the last succeeded release behind 60 applied ones',
      [record(1, 'succeeded'), ...Array.from({ length: 60 }, (_, index) => record(2 + index, 'failed'))],
      [1],
    ],
  ])('keeps %s', (_what, history, pinned) => {
    // Act
    const kept = capHistory(history);

    // Assess
    expect(kept.filter((item) => item.result === 'refused').length).toBeLessThanOrEqual(MAX_REFUSALS);
    expect(kept.filter((item) => item.result !== 'refused').length).toBeLessThanOrEqual(MAX_RELEASES + 1);
    for (const revision of pinned) expect(kept.map((item) => item.revision)).toContain(revision);
    expect(kept.map((item) => item.revision)).toContain(history.at(-1)?.revision);
  });

  it.each([
    ['a pinned image a rule takes', `${WEB}:v1.4.0@${digestOf('x')}`, undefined],
    ["the manifests' own image", `${WEB}:v1.0.0`, undefined],
    [
      "another registry's image under the repository",
      `evil.example.com/miner:latest@${digestOf('m')}`,
      `${WEB}: evil.example.com/miner:latest@${digestOf('m')} is not a pinned image of ${WEB}`,
    ],
    ['a tag no rule takes', `${WEB}:latest@${digestOf('m')}`, `${WEB}:latest@${digestOf('m')}: tag latest matches no current rule (semver >=1.0.0 (prod))`],
  ])('judges %s against the current policies', (_what, ref, reason) => {
    // Act
    const refusal = imagesRefusal(target, { [WEB]: ref });

    // Assess
    expect(refusal).toBe(reason);
  });

  it('refuses an image for a repository no policy names', () => {
    // Act
    const refusal = imagesRefusal(target, { 'evil.example.com/miner': `evil.example.com/miner:latest@${digestOf('m')}` });

    // Assess
    expect(refusal).toBe(`evil.example.com/miner:latest@${digestOf('m')}: no image policy of workload crypto-oms names evil.example.com/miner`);
  });

  it('releases a push over a tampered image of its own repository, and refuses one that would carry a tampered image of another over', () => {
    // Prepare
    const evil = `evil.example.com/miner:latest@${digestOf('m')}`;
    const tampered = (repository: string): ReleaseRecord[] => [{ ...record(1, 'succeeded'), images: { ...record(1, 'succeeded').images, [repository]: evil } }];
    const pushed = { repository: WEB, tag: 'v1.5.0', digest: digestOf('v1.5.0') };

    // Act
    const own = planPush(target, tampered(WEB), pushed, { deliveryId: 'a', source: 'push' }, NOW);
    const other = planPush(target, tampered('ghcr.io/crypto-oms/risk-engine'), pushed, { deliveryId: 'b', source: 'push' }, NOW);

    // Assess
    expect(own).toMatchObject({ action: 'release', draft: { images: { [WEB]: `${WEB}:v1.5.0@${digestOf('v1.5.0')}` } } });
    expect(other).toMatchObject({ action: 'refuse', reason: expect.stringContaining(evil) as string });
  });

  it('coalesces a second refusal of the same tag into one record with a count, the last time and both digests', () => {
    // Prepare
    const first = refuse(
      [record(1, 'succeeded')],
      target,
      { kind: 'deploy', image: { repository: WEB, tag: 'v0.9.0', digest: digestOf('a') }, images: {}, deliveryId: 'a', reason: 'older' },
      NOW,
    );

    // Act
    const second = refuse(
      first.history,
      target,
      { kind: 'deploy', image: { repository: WEB, tag: 'v0.9.0', digest: digestOf('b') }, images: {}, deliveryId: 'b', reason: 'older' },
      new Date('2026-11-22T13:00:00Z'),
    );

    // Assess
    expect(second.history).toHaveLength(2);
    expect(second.record).toMatchObject({
      revision: 2,
      count: 2,
      lastAt: '2026-11-22T13:00:00.000Z',
      lastDeliveryId: 'b',
      digests: [digestOf('a'), digestOf('b')],
    });
    expect(planPush(target, second.history, { repository: WEB, tag: 'v0.9.0', digest: digestOf('a') }, { deliveryId: 'c', source: 'push' }, NOW)).toMatchObject(
      { action: 'skip', outcome: 'duplicate' },
    );
  });

  it.each([
    ['PATCH', '/api/v1/namespaces/crypto-oms', 'patch namespaces (cluster scope)'],
    ['PATCH', '/apis/networking.k8s.io/v1/namespaces/shop/ingresses/web', 'patch ingresses.networking.k8s.io in namespace shop'],
    ['GET', '/api/v1/namespaces/shop/configmaps', 'list configmaps in namespace shop'],
    ['DELETE', '/apis/apps/v1/namespaces/shop/deployments/old', 'delete deployments.apps in namespace shop'],
  ])('names the permission a 403 to %s %s shows missing', (method, path, permission) => {
    // Prepare
    const error = new KubernetesAccessError('forbidden', { context: { cluster: 'c', method, path, status: 403 } });

    // Act
    const denied = forbidden(new Error('apply failed', { cause: error }));

    // Assess
    expect(denied?.permission).toBe(permission);
  });
});

function object(kind: string, name: string, labels: Record<string, string> = { 'app.kubernetes.io/part-of': 'shop' }, namespace = 'shop'): KubernetesObject {
  return { apiVersion: kind === 'Deployment' ? 'apps/v1' : 'v1', kind, metadata: { name, ...(kind === 'Namespace' ? {} : { namespace }), labels } };
}

describe('planPrune', () => {
  const rendered = { objects: [object('Deployment', 'web'), object('ConfigMap', 'routes')] };

  it.each<[string, KubernetesObject[], string[]]>([
    ['nothing when every owned object is still rendered', [object('Deployment', 'web'), object('ConfigMap', 'routes')], []],
    [
      'an object that left the manifests',
      [object('Deployment', 'web'), object('ConfigMap', 'old-config')],
      ['ConfigMap shop/old-config left the manifests of workload shop'],
    ],
    ['an object of the same name but another kind', [object('Service', 'web')], ['Service shop/web left the manifests of workload shop']],
    [
      "never deploy's own release history",
      [object('ConfigMap', 'shop-releases', { 'app.kubernetes.io/part-of': 'shop', 'eks-pilot.io/releases': 'shop' })],
      [],
    ],
    ['never a Namespace', [object('Namespace', 'shop', {})], []],
    [
      'every orphan, in the order read',
      [object('ConfigMap', 'b'), object('Secret', 'a')],
      ['ConfigMap shop/b left the manifests of workload shop', 'Secret shop/a left the manifests of workload shop'],
    ],
  ])('plans %s', (_what, live, reasons) => {
    // Act
    const deletes = planPrune(live, rendered, 'shop');

    // Assess
    expect(deletes.map((item) => item.reason)).toEqual(reasons);
    expect(deletes.every((item) => live.includes(item.object))).toBe(true);
  });

  it('does not change what it is given', () => {
    // Prepare
    const live = [object('ConfigMap', 'old-config')];
    const before = structuredClone(live);

    // Act
    planPrune(live, rendered, 'shop');

    // Assess
    expect(live).toEqual(before);
  });
});

describe('planWatch', () => {
  const started = { startedAt: '2026-11-22T12:00:00.000Z' };
  const at = (seconds: number): Date => new Date(Date.parse(started.startedAt) + seconds * 1000);
  const budget = (remainingMs: number) => ({ remainingMs, pollMs: 5_000, reserveMs: 20_000 });
  const complete: RolloutState = { state: 'complete' };
  const going: RolloutState = { state: 'progressing', reason: 'Deployment shop/web: 1 of 3 replicas updated' };
  const failed: RolloutState = { state: 'failed', reason: 'Deployment shop/web exceeded its progress deadline (ProgressDeadlineExceeded)' };

  it.each<[string, RolloutState[], number, number, ReturnType<typeof planWatch>]>([
    ['complete when every object is complete', [complete, complete], 30, 600_000, { action: 'complete' }],
    ['complete when nothing rolls out', [], 30, 600_000, { action: 'complete' }],
    ['failed when one object failed, even with time left', [complete, failed], 30, 600_000, { action: 'failed', reason: failed.reason }],
    ['failed before stalled: a failure is named as it is', [failed, going], 900, 600_000, { action: 'failed', reason: failed.reason }],
    [
      'stalled once the timeout since the release started has passed',
      [going],
      600,
      600_000,
      { action: 'stalled', reason: `rollout stalled: not finished within 600 s (${going.reason})` },
    ],
    [
      'stalled before handed on: a stalled release is not watched again',
      [going],
      601,
      1_000,
      { action: 'stalled', reason: `rollout stalled: not finished within 600 s (${going.reason})` },
    ],
    ['handed on when another poll would eat the reserve', [going], 30, 24_999, { action: 'hand-on', pending: going.reason }],
    ['polled again when a poll and the reserve still fit', [going, complete], 30, 25_000, { action: 'poll-again', pending: going.reason }],
    [
      'every pending object named',
      [going, { state: 'progressing', reason: 'StatefulSet shop/db: 0 of 1 pods ready' }],
      30,
      600_000,
      { action: 'poll-again', pending: `${going.reason}; StatefulSet shop/db: 0 of 1 pods ready` },
    ],
  ])('is %s', (_what, states, seconds, remainingMs, expected) => {
    // Act
    const step = planWatch(states, started, 600, at(seconds), budget(remainingMs));

    // Assess
    expect(step).toEqual(expected);
  });
});
