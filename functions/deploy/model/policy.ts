/**
 * The image policy, pure: does a pushed tag deploy to a workload, given the workload's environment
 * and what it runs now. Like keel's `ShouldUpdate(current, new)`, but a semver rule only ever moves
 * forward, and the caller passes what runs (no I/O here).
 */
import type * as Semver from 'semver';
import type { ImagePolicySpec, TagRule, TagRuleKind } from '../../../shared/model/cluster-spec/workloads';
import { globMatches, regexMatches } from '../../../shared/model/cluster-spec/tag-match';
import { TAG_RULE_KINDS } from '../../../shared/model/cluster-spec/runtime';
import { onFirstUse } from '../../../shared/on-first-use';

/** semver (its top level compiles some forty regexes) loads on the first semver rule decided. */
// eslint-disable-next-line @typescript-eslint/no-require-imports -- bundled, run on first use (shared/on-first-use.ts)
const semver = onFirstUse(() => require('semver') as typeof Semver);

/** Whether to deploy, and why: the matching rule, or what refused the tag. */
export type PolicyDecision = { deploy: true; rule: string } | { deploy: false; reason: string; refusal: 'no-rule' | 'backwards' };

/**
 * The one kind a validated rule has, and its pattern.
 *
 * @example
 * ruleKind({ glob: 'main-*' }); // { kind: 'glob', pattern: 'main-*' }
 */
export function ruleKind(rule: TagRule): { kind: TagRuleKind; pattern: string } {
  for (const kind of TAG_RULE_KINDS) {
    const pattern = rule[kind];
    if (pattern !== undefined) return { kind, pattern };
  }
  throw new Error('a tag rule without semver, glob, regex or exact: the schema should have refused it');
}

/**
 * A rule as reasons and logs print it.
 *
 * @example
 * describeRule({ semver: '>=1.0.0', environments: ['prod'] }); // 'semver >=1.0.0 (prod)'
 */
export function describeRule(rule: TagRule): string {
  const { kind, pattern } = ruleKind(rule);
  return `${kind} ${pattern}${rule.environments ? ` (${rule.environments.join(', ')})` : ''}`;
}

/**
 * The rules of a policy that apply in an environment: those without `environments`, and those naming it.
 *
 * @example
 * rulesFor(policy, 'staging'); // the staging rules and the rules for every environment
 */
export function rulesFor(policy: ImagePolicySpec, environment: string | undefined): TagRule[] {
  return policy.tags.filter((rule) => rule.environments === undefined || (environment !== undefined && rule.environments.includes(environment)));
}

/**
 * Whether one rule takes a tag, ignoring what runs.
 *
 * @example
 * ruleMatches({ regex: 'release-\\d+' }, 'release-42'); // true
 */
export function ruleMatches(rule: TagRule, tag: string): boolean {
  const { kind, pattern } = ruleKind(rule);
  switch (kind) {
    case 'semver': {
      const version = semver().valid(tag);
      return version !== null && semver().satisfies(version, pattern);
    }
    case 'glob':
      return globMatches(pattern, tag);
    case 'regex':
      return regexMatches(pattern, tag);
    case 'exact':
      return tag === pattern;
    default:
      throw new Error(`unknown tag rule kind ${kind satisfies never as string}`);
  }
}

/**
 * Decides whether `tag` deploys to a workload in `environment` that runs `currentTag` (undefined
 * when nothing was deployed yet). The first matching rule decides; a semver rule refuses a version
 * older than the one running (the same tag again is allowed: a re-push of that tag).
 *
 * @example
 * const policy = { repository: 'ghcr.io/acme/web', tags: [{ semver: '>=1.0.0', environments: ['prod'] }, { glob: 'main-*', environments: ['staging'] }] };
 * decide(policy, 'prod', 'v1.3.0', 'v1.2.0');    // { deploy: true, rule: 'semver >=1.0.0 (prod)' }
 * decide(policy, 'prod', 'v1.1.0', 'v1.2.0');
 * // { deploy: false, refusal: 'backwards', reason: 'v1.1.0 is older than v1.2.0, which runs: semver rules only move forward' }
 * decide(policy, 'prod', 'main-4f2a9c1');        // { deploy: false, refusal: 'no-rule', ... }
 */
export function decide(policy: ImagePolicySpec, environment: string | undefined, tag: string, currentTag?: string): PolicyDecision {
  const rules = rulesFor(policy, environment);
  const where = environment === undefined ? 'this workload' : `environment ${environment}`;
  const rule = rules.find((candidate) => ruleMatches(candidate, tag));
  if (rule === undefined) {
    const listed = rules.length === 0 ? 'no rule applies' : `rules: ${rules.map(describeRule).join('; ')}`;
    return { deploy: false, refusal: 'no-rule', reason: `tag ${tag} of ${policy.repository} matches no rule for ${where} (${listed})` };
  }
  if (ruleKind(rule).kind === 'semver' && currentTag !== undefined && currentTag !== tag) {
    const next = semver().valid(tag);
    const running = semver().valid(currentTag);
    if (next !== null && running !== null && semver().lte(next, running)) {
      return {
        deploy: false,
        refusal: 'backwards',
        reason: `${tag} is ${semver().eq(next, running) ? 'the same version as' : 'older than'} ${currentTag}, which runs: semver rules only move forward`,
      };
    }
  }
  return { deploy: true, rule: describeRule(rule) };
}
