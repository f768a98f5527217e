import { decide, describeRule, rulesFor } from '../../../../functions/deploy/model/policy';
import type { ImagePolicySpec } from '../../../../shared/model/cluster-spec/workloads';

const policy: ImagePolicySpec = {
  repository: 'ghcr.io/acme/web',
  tags: [
    { semver: '>=1.0.0', environments: ['prod'] },
    { glob: 'main-*', environments: ['staging'] },
    { regex: 'release-\\d+', environments: ['staging'] },
    { exact: 'hotfix', environments: ['prod', 'staging'] },
  ],
};

describe('image policy', () => {
  it.each([
    ['prod', 'v1.2.0', undefined, true],
    ['prod', '1.2.0', undefined, true],
    ['prod', 'v0.9.0', undefined, false],
    ['prod', 'main-4f2a9c1', undefined, false],
    ['staging', 'main-4f2a9c1', undefined, true],
    ['staging', 'release-42', undefined, true],
    ['staging', 'release-42x', undefined, false],
    ['staging', 'xrelease-42', undefined, false],
    ['staging', 'v1.2.0', undefined, false],
    ['prod', 'hotfix', undefined, true],
    ['staging', 'hotfix', undefined, true],
    [undefined, 'v1.2.0', undefined, false],
  ])('in %s takes tag %s: %s', (environment, tag, current, expected) => {
    // Prepare: the table

    // Act
    const decision = decide(policy, environment, tag, current);

    // Assess
    expect(decision.deploy).toBe(expected);
  });

  it('refuses an older semver tag after a newer one, naming both', () => {
    // Prepare
    const running = 'v1.4.0';

    // Act
    const decision = decide(policy, 'prod', 'v1.3.9', running);

    // Assess
    expect(decision).toEqual({
      deploy: false,
      refusal: 'backwards',
      reason: 'v1.3.9 is older than v1.4.0, which runs: semver rules only move forward',
    });
  });

  it('refuses the same version under another spelling but allows a re-push of the same tag', () => {
    // Prepare
    const running = 'v1.4.0';

    // Act
    const sameVersion = decide(policy, 'prod', '1.4.0', running);
    const samePush = decide(policy, 'prod', 'v1.4.0', running);

    // Assess
    expect(sameVersion).toMatchObject({ deploy: false, refusal: 'backwards' });
    expect(samePush).toEqual({ deploy: true, rule: 'semver >=1.0.0 (prod)' });
  });

  it('moves forward from a tag that is not a version', () => {
    // Prepare
    const running = 'main-4f2a9c1';

    // Act
    const decision = decide(policy, 'prod', 'v2.0.0', running);

    // Assess
    expect(decision.deploy).toBe(true);
  });

  it('says which rules it tried when none takes the tag', () => {
    // Prepare
    const tag = 'feature-x';

    // Act
    const decision = decide(policy, 'staging', tag);

    // Assess
    expect(decision).toEqual({
      deploy: false,
      refusal: 'no-rule',
      reason:
        'tag feature-x of ghcr.io/acme/web matches no rule for environment staging (rules: glob main-* (staging); regex release-\\d+ (staging); exact hotfix (prod, staging))',
    });
  });

  it('applies rules without environments everywhere', () => {
    // Prepare
    const open: ImagePolicySpec = { repository: 'ghcr.io/acme/web', tags: [{ glob: 'v*' }] };

    // Act
    const rules = rulesFor(open, undefined);

    // Assess
    expect(rules.map(describeRule)).toEqual(['glob v*']);
    expect(decide(open, undefined, 'v3').deploy).toBe(true);
  });
});
