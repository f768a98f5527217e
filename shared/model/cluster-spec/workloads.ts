/**
 * The `workloads` section of a cluster spec: the applications `deploy` keeps running on the cluster.
 * A workload is a folder of Kubernetes manifests (applied together, in dependency order) and the
 * image policies that say which pushed tags of which GHCR repositories it takes, per environment.
 * Like the rest of the spec, every object is strict and defaults are applied here.
 */
import path from 'node:path';
import type * as Semver from 'semver';
import * as z from 'zod';
import { onFirstUse } from '../../on-first-use';
import { TAG_RULE_KINDS, recoverEveryMs } from './runtime';

export { OWNER_LABEL, TAG_RULE_KINDS, recoverEveryMs } from './runtime';
export type { TagRuleKind } from './runtime';
import { globProblem, regexProblem } from './tag-rules';

// eslint-disable-next-line @typescript-eslint/no-require-imports -- bundled, run on first use (../../on-first-use.ts)
const semver = onFirstUse(() => require('semver') as typeof Semver);

/** A DNS-1123 label: workload and environment names end up in labels and object names. */
/** A Kubernetes DNS label (RFC 1123): workload, environment and platform component names. */
export const dnsLabel = z.string().regex(/^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/, 'expected lower-case letters, digits and -, at most 63 characters');

/** A folder of manifests, relative to the spec file and inside its folder ({@link manifestsPathProblem}). */
export const manifestsFolder = z
  .string()
  .min(1)
  .superRefine((folder, ctx) => {
    const problem = manifestsPathProblem(folder);
    if (problem !== undefined) ctx.addIssue({ code: 'custom', message: problem });
  });

/** `ghcr.io/<owner>/<name>`: lower case, as the registry and Kubernetes both require. */
const GHCR_REPOSITORY = /^ghcr\.io\/[a-z0-9]([a-z0-9._-]*[a-z0-9])?(\/[a-z0-9]([a-z0-9._-]*[a-z0-9])?)+$/;
/**
 * `<account>.dkr.ecr.<region>.amazonaws.com[.cn]/<name>`: a private ECR repository URI; ECR
 * repository names are lower case, `/`-separated, 2-256 characters (Amazon ECR API reference,
 * CreateRepository `repositoryName`).
 */
const ECR_REPOSITORY = /^\d{12}\.dkr\.ecr\.[a-z]{2}(-[a-z]+)+-\d\.amazonaws\.com(\.cn)?\/(?:[a-z0-9]+(?:[._-][a-z0-9]+)*\/)*[a-z0-9]+(?:[._-][a-z0-9]+)*$/;

const repository = z
  .string()
  .refine(
    (value) => GHCR_REPOSITORY.test(value) || ECR_REPOSITORY.test(value),
    'expected a lower-case GHCR repository such as ghcr.io/acme/web or an ECR repository URI such as 123456789012.dkr.ecr.eu-west-1.amazonaws.com/web (no tag, no digest)',
  );

const tagRule = z
  .strictObject({
    semver: z
      .string()
      .refine((range) => semver().validRange(range) !== null, 'expected a semver range such as ">=1.2.0" or "^2"')
      .optional()
      .describe(
        'Tags that are semantic versions in this range (a leading v is allowed: v1.4.2). Deploys only move forward: an older version than the one running is refused.',
      ),
    glob: z
      .string()
      .min(1)
      .superRefine(problemOf(globProblem))
      .optional()
      .describe('Tags matching this glob, e.g. `main-*` or `v*`. `*` matches any run of characters, `?` one, `[a-z]` one of a class, `{a,b}` either.'),
    regex: z
      .string()
      .min(1)
      .superRefine(problemOf(regexProblem))
      .optional()
      .describe(
        'Tags matching this regular expression, anchored at both ends, e.g. `release-\\d+`: the common syntax of JavaScript and RE2 (no lookaround, no backreferences), without nested repetition such as `(a+)+`. Matched in linear time; a tag over 128 characters matches nothing.',
      ),
    exact: z.string().min(1).optional().describe('This one tag, e.g. `stable`.'),
    environments: z.array(dnsLabel).min(1).optional().describe("Environments the rule applies to (a workload's `environment`). Unset: every environment."),
  })
  .superRefine((rule, ctx) => {
    const kinds = TAG_RULE_KINDS.filter((kind) => rule[kind] !== undefined);
    if (kinds.length !== 1) {
      ctx.addIssue({
        code: 'custom',
        message: `a rule takes exactly one of semver, glob, regex, exact${kinds.length > 1 ? ` (found ${kinds.join(', ')})` : ''}`,
      });
    }
  });

export const imagePolicySchema = z.strictObject({
  repository: repository.describe(
    'GHCR repository (ghcr.io/acme/web) or ECR repository URI (123456789012.dkr.ecr.eu-west-1.amazonaws.com/web) whose pushes this workload takes. Its containers are found by this name in the manifests.',
  ),
  tags: z.array(tagRule).min(1).describe("Which pushed tags deploy: a tag deploys when any rule for the workload's environment matches it."),
});

/** A Kubernetes data key: letters, digits, `-`, `_` and `.`. */
const secretKey = z.string().regex(/^[-._a-zA-Z0-9]{1,253}$/, 'expected a Secret data key: letters, digits, -, _ and .');

export const secretSourceSchema = z
  .strictObject({
    name: z
      .string()
      .regex(/^[a-z0-9]([-a-z0-9.]{0,251}[a-z0-9])?$/, 'expected a Kubernetes object name: lower-case letters, digits, - and .')
      .describe('Name of the Secret deploy renders and applies.'),
    namespace: dnsLabel.optional().describe("Namespace of the Secret. Unset: the namespace of the workload's manifests (where its release history is kept)."),
    secretsManager: z
      .string()
      .min(1)
      .optional()
      .describe(
        "Secrets Manager secret id or ARN whose AWSCURRENT SecretString is a JSON object of strings: each key becomes a data key of the Secret. deploy-worker's role is granted exactly the secrets the specs name, when packaging.",
      ),
    ssm: z
      .record(secretKey, z.string().regex(/^\/[\w.\-/]+$/, 'expected an SSM parameter name such as /eks-pilot/prod/db-password'))
      .optional()
      .describe(
        "Data key to SecureString parameter name, e.g. `{ DATABASE_URL: /eks-pilot/prod/shop/database-url }`. deploy-worker's role is granted exactly the parameters the specs name, when packaging.",
      ),
  })
  .superRefine((source, ctx) => {
    if ((source.secretsManager === undefined) === (source.ssm === undefined))
      ctx.addIssue({ code: 'custom', message: 'a secret takes exactly one of secretsManager, ssm' });
  });

export const workloadSchema = z.strictObject({
  name: dnsLabel.describe("Workload name, unique in the cluster: it names the releases, the SQS message group and the manual invoke's `workload`."),
  manifests: manifestsFolder.describe(
    'Folder of Kubernetes manifests (every *.yaml and *.yml in it, multi-document files included), relative to the spec file and inside its folder (no absolute path, no `..` out of it). The folder must exist.',
  ),
  environment: dnsLabel
    .optional()
    .describe(
      'Environment this workload runs as (prod, staging, ...), which picks the image rules that apply. Unset: only rules without `environments` apply.',
    ),
  images: z.array(imagePolicySchema).min(1).describe('Image policies, one per GHCR or ECR repository the workload deploys from.'),
  prune: z
    .boolean()
    .default(false)
    .describe('Delete objects deploy applied before (found by the eks-pilot.io/workload label) that left the manifests. Default false.'),
  onDrift: z
    .enum(['report', 'remediate'])
    .default('report')
    .describe('What the scheduled drift check does when the cluster differs from the manifests at the current release: report (default) or remediate.'),
  rollout: z
    .strictObject({
      timeoutSeconds: z
        .number()
        .int()
        .min(30)
        .max(3600)
        .default(600)
        .describe("How long a rollout may take before it counts as stalled and is rolled back. Default 600, Kubernetes' progressDeadlineSeconds default."),
      rollback: z.boolean().default(true).describe('Roll back to the previous successful release when the rollout fails. Default true.'),
    })
    .default({ timeoutSeconds: 600, rollback: true })
    .describe('How a rollout is watched.'),
  recover: z
    .strictObject({
      every: z
        .string()
        .regex(/^[1-9]\d{0,3}[mhd]$/, 'expected a duration such as 30m, 1h or 1d')
        .refine((value) => recoverEveryMs(value) >= 15 * 60_000, 'at least 15m: the check runs on the 15-minute drift schedule')
        .describe('How often the check runs (15m at least, the drift schedule): 30m, 1h, 1d.'),
      owner: z
        .enum(['org', 'user'])
        .optional()
        .describe("Whether the images' GHCR owner is an organization or a user account (which GitHub endpoint lists its packages). Unset: org, then user."),
    })
    .optional()
    .describe(
      "Missed-push recovery (opt-in): at this interval deploy-worker lists the images' container package versions through GitHub's REST API and queues the newest tag the policy takes that no webhook delivered, deduplicated as a webhook's push is.",
    ),
  github: z
    .strictObject({
      repository: z
        .string()
        .regex(/^[\w.-]+\/[\w.-]+$/, 'expected a GitHub repository as owner/name')
        .optional()
        .describe(
          "Repository the deployments are created in, `owner/name`. Unset: the repository the push came from (the webhook's `repository`, else the image's `org.opencontainers.image.source` label), else the GHCR image's `ghcr.io/<owner>/<name>`.",
        ),
      environment: z
        .string()
        .min(1)
        .max(255)
        .optional()
        .describe("GitHub environment of the deployments. Unset: the workload's `environment`, else the cluster's name."),
      production: z
        .boolean()
        .optional()
        .describe('Whether that environment is a production one (`production_environment`). Unset: true when the environment is named prod or production.'),
      environmentUrl: z
        .string()
        .regex(/^https?:\/\/[^\s/]+\S*$/, 'expected an http(s) URL')
        .optional()
        .describe("URL of the running workload, shown on GitHub's deployment (`environment_url`)."),
    })
    .optional()
    .describe(
      'GitHub deployment statuses (opt-in): each release of a pushed image becomes a deployment in the repository, marked in_progress, then success, failure or inactive (rolled back, superseded), with the token of `githubToken`. A ref GitHub does not know, a missing token or a rate limit is recorded on the release and never fails it.',
    ),
  recreateJobs: z
    .boolean()
    .default(false)
    .describe(
      'When a release changes the images of a Job that exists (its pod template is immutable), delete the Job and create it anew. Default false: such a release is refused with the reason.',
    ),
  literalSecrets: z
    .boolean()
    .default(false)
    .describe(
      'Allow Secret manifests with literal values (data or stringData). Default false: such a manifest makes the workload a spec error naming the file and keys; source the values from AWS with `secrets` instead.',
    ),
  secrets: z
    .array(secretSourceSchema)
    .default([])
    .describe(
      'Secrets deploy renders from AWS at apply time (Secrets Manager or SSM SecureString parameters). Their values are never logged, planned or recorded; an existing Secret of that name deploy does not own is never overwritten.',
    ),
});

export type WorkloadSpec = z.output<typeof workloadSchema>;

export type ImagePolicySpec = WorkloadSpec['images'][number];
export type TagRule = ImagePolicySpec['tags'][number];
export type SecretSourceSpec = WorkloadSpec['secrets'][number];

export const workloadsSchema = z
  .array(workloadSchema)
  .default([])
  .describe(
    'Applications deploy keeps on the cluster: manifests plus image policies. A signed GHCR push deploys to every workload whose policy takes the tag.',
  );

/**
 * Cross-field checks of the `workloads` section, run from the cluster's `checkCluster`: unique names,
 * one policy per repository, environments named where a rule asks for one.
 *
 * @example
 * checkWorkloads({ workloads: [{ name: 'web' }, { name: 'web' }] }, ctx); // duplicate workload name "web"
 */
export function checkWorkloads(fields: Record<string, unknown>, ctx: z.RefinementCtx): void {
  const workloads = fields.workloads;
  if (!Array.isArray(workloads)) return;
  const seen = new Map<string, number>();
  workloads.forEach((item: unknown, index) => {
    const workload = (item ?? {}) as Record<string, unknown>;
    if (typeof workload.name === 'string') {
      const first = seen.get(workload.name);
      if (first === undefined) seen.set(workload.name, index);
      else
        ctx.addIssue({
          code: 'custom',
          path: ['workloads', index, 'name'],
          message: `duplicate workload name "${workload.name}" (first at workloads[${first}])`,
        });
    }
    const images = Array.isArray(workload.images) ? (workload.images as unknown[]) : [];
    const repositories = new Map<string, number>();
    images.forEach((image: unknown, imageIndex) => {
      const policy = (image ?? {}) as Record<string, unknown>;
      if (typeof policy.repository === 'string') {
        const first = repositories.get(policy.repository);
        if (first === undefined) repositories.set(policy.repository, imageIndex);
        else {
          ctx.addIssue({
            code: 'custom',
            path: ['workloads', index, 'images', imageIndex, 'repository'],
            message: `duplicate repository "${policy.repository}" (first at images[${first}]): put all its rules in one policy`,
          });
        }
      }
      const rules = Array.isArray(policy.tags) ? (policy.tags as unknown[]) : [];
      rules.forEach((rule: unknown, ruleIndex) => {
        const environments = (rule as Record<string, unknown> | null)?.environments;
        if (Array.isArray(environments) && typeof workload.environment !== 'string') {
          ctx.addIssue({
            code: 'custom',
            path: ['workloads', index, 'images', imageIndex, 'tags', ruleIndex, 'environments'],
            message: 'this rule names environments but the workload sets no `environment`: it could never apply',
          });
        }
      });
    });
  });
}

/**
 * Why a workload's `manifests` path cannot be used, or undefined: it must be relative to the spec
 * file and stay inside the spec's folder (the bundles ship that folder, nothing outside it).
 *
 * @example
 * manifestsPathProblem('../../etc'); // 'expected a folder inside the spec file\'s folder; ../../etc leaves it'
 */
export function manifestsPathProblem(folder: string): string | undefined {
  if (path.posix.isAbsolute(folder) || path.win32.isAbsolute(folder)) return `expected a folder relative to the spec file, not the absolute path ${folder}`;
  const normalised = path.posix.normalize(folder.replaceAll('\\', '/'));
  if (normalised === '..' || normalised.startsWith('../')) return `expected a folder inside the spec file's folder; ${folder} leaves it`;
  return undefined;
}

/** A refinement that adds the problem a check finds, if any. */
function problemOf(check: (value: string) => string | undefined): (value: string, ctx: z.RefinementCtx) => void {
  return (value, ctx) => {
    const problem = check(value);
    if (problem !== undefined) ctx.addIssue({ code: 'custom', message: problem });
  };
}
