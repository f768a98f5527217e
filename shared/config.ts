/**
 * The one module that reads the environment (lint keeps every other file of functions/, shared/ and
 * cli/ away from `process.env`). Each function's composition root and the CLI ask it for their
 * typed settings once per invocation (or command) and hand the values down; adapters take what they
 * need as parameters. Shaped after Powertools' `EnvironmentVariablesService`: one reader, typed
 * getters, defaults in one place; unlike it, every bad variable is collected and reported at once,
 * naming the variable and what it holds, and a test passes its own environment.
 */
import { clip, EksPilotError } from './errors';
import { DEFAULT_SPEC_PATHS, specPathsFrom } from './model/cluster-spec/paths';

/** Environment variables as `process.env` holds them. */
export type Environment = Readonly<Record<string, string | undefined>>;

/** Every default a variable falls back to, in one place. */
export const SETTING_DEFAULTS = {
  /** AWS_REGION: Lambda always sets it; the CLI and tests may not. */
  region: 'us-east-1',
  /** EKS_PILOT_SPECS: the folder packaged with every function (the CLI has no default). */
  specPaths: DEFAULT_SPEC_PATHS,
  /** EKS_PILOT_METRICS_NAMESPACE. */
  metricsNamespace: 'EksPilot',
  /** EKS_PILOT_DRIFT_PARAMETER_PREFIX: where provision remembers the drift it told of (serverless.yml sets /eks-pilot/<stage>/drift). */
  driftParameterPrefix: '/eks-pilot/drift',
  /** EKS_PILOT_LEASE_TABLE: shared by every stage, stack and the CLI. */
  leaseTable: 'eks-pilot-leases',
  /** EKS_PILOT_WEBHOOK_MAX_BYTES: the largest webhook body read (1 MiB). */
  webhookMaxBytes: 1024 * 1024,
  /** EKS_PILOT_GITHUB_API_URL: where missed-push recovery lists package versions. */
  githubApiUrl: 'https://api.github.com',
  /** EKS_PILOT_ROLLOUT_POLL_MS: how often deploy-worker reads a rollout it watches. */
  rolloutPollMs: 5_000,
  /** EKS_PILOT_ROLLOUT_RESERVE_MS: the time an invocation keeps back to hand a watch on. */
  rolloutReserveMs: 20_000,
} as const;

/** One variable that cannot be used, and why. */
export interface ConfigIssue {
  variable: string;
  message: string;
}

/**
 * A setting is missing or malformed. The message names each variable and what is wrong
 * (`EKS_PILOT_ROLLOUT_POLL_MS must be a positive integer, got "abc"`); thrown when a request starts,
 * never at import, so the invocation fails with it in its log line.
 *
 * @example
 * try { deployWebhookSettings({}); } catch (error) { (error as ConfigError).issues[0]?.variable; } // 'EKS_PILOT_WEBHOOK_SECRET'
 */
export class ConfigError extends EksPilotError {
  override name = 'ConfigError';

  readonly issues: readonly ConfigIssue[];

  constructor(issues: readonly ConfigIssue[]) {
    super(issues.map((issue) => issue.message).join('; '), { context: { variables: issues.map((issue) => issue.variable) } });
    this.issues = issues;
  }
}

/**
 * Reads typed values from an environment, collecting every problem; {@link EnvironmentReader.done}
 * throws them as one {@link ConfigError}. Empty values count as unset, as serverless.yml writes an
 * unset parameter as `''` (a list, {@link EnvironmentReader.raw}, keeps the difference).
 *
 * @example
 * const reader = new EnvironmentReader({ EKS_PILOT_ROLLOUT_POLL_MS: '250' });
 * const pollMs = reader.positiveInteger('EKS_PILOT_ROLLOUT_POLL_MS', 5_000); // 250
 * reader.done({ pollMs }); // { pollMs: 250 }
 */
export class EnvironmentReader {
  private readonly env: Environment;
  private readonly issues: ConfigIssue[] = [];

  constructor(env: Environment = process.env) {
    this.env = env;
  }

  /** The value exactly as set, blank included (a list parser tells blank from unset). */
  raw(name: string): string | undefined {
    return this.env[name];
  }

  /** The trimmed value, or undefined when unset or blank. */
  text(name: string): string | undefined {
    const value = this.env[name]?.trim();
    return value === undefined || value === '' ? undefined : value;
  }

  /** The trimmed value; a missing one is an issue (and `''` is returned so reading can go on). */
  required(name: string, what: string): string {
    const value = this.text(name);
    if (value === undefined) this.fail(name, `${name} is not set: it names ${what}`);
    return value ?? '';
  }

  /** A whole number of 1 or more, else `fallback` when unset. */
  positiveInteger(name: string, fallback: number): number {
    return this.integer(name, fallback, 1, 'a positive integer');
  }

  /** A whole number of 0 or more, else `fallback` when unset. */
  nonNegativeInteger(name: string, fallback: number): number {
    return this.integer(name, fallback, 0, 'a non-negative integer');
  }

  /** An `http:` or `https:` URL, else undefined when unset. */
  url(name: string): string | undefined {
    const value = this.text(name);
    if (value === undefined) return undefined;
    if (!URL.canParse(value) || !['http:', 'https:'].includes(new URL(value).protocol)) {
      this.fail(name, `${name} must be an http(s) URL, got ${quoted(value)}`);
      return undefined;
    }
    return value;
  }

  /** The value when `pattern` matches it, else an issue saying it must be `shape`. */
  matching(name: string, pattern: RegExp, shape: string): string | undefined {
    const value = this.text(name);
    if (value === undefined || pattern.test(value)) return value;
    this.fail(name, `${name} must be ${shape}, got ${quoted(value)}`);
    return undefined;
  }

  /** True when set to `true` (any case), as the AWS SDK reads its boolean variables. */
  isTrue(name: string): boolean {
    return this.text(name)?.toLowerCase() === 'true';
  }

  /** True when set to anything but blank. */
  isSet(name: string): boolean {
    return this.text(name) !== undefined;
  }

  /** Names of the variables that start with `prefix`, set to something. */
  namesStartingWith(prefix: string): string[] {
    return Object.keys(this.env).filter((name) => name.startsWith(prefix) && this.text(name) !== undefined);
  }

  /** Records a problem with `name`. */
  fail(name: string, message: string): void {
    this.issues.push({ variable: name, message });
  }

  /**
   * `settings`, frozen, when nothing was wrong.
   *
   * @throws ConfigError listing every problem found.
   */
  done<T extends object>(settings: T): Readonly<T> {
    if (this.issues.length > 0) throw new ConfigError(this.issues);
    return Object.freeze(settings);
  }

  private integer(name: string, fallback: number, min: number, kind: string): number {
    const value = this.text(name);
    if (value === undefined) return fallback;
    const parsed = /^\d+$/.test(value) ? Number(value) : Number.NaN;
    if (!Number.isSafeInteger(parsed) || parsed < min) {
      this.fail(name, `${name} must be ${kind}, got ${quoted(value)}`);
      return fallback;
    }
    return parsed;
  }
}

/**
 * Where the AWS SDK sends calls instead of AWS (an emulator): `AWS_ENDPOINT_URL` for every service,
 * `AWS_ENDPOINT_URL_<SERVICE_ID>` for one, both empty when `AWS_IGNORE_CONFIGURED_ENDPOINT_URLS` is
 * true. The SDK reads the same variables itself; the code needs them where it must act alike
 * (SQS's queue-URL host, the STS host an EKS token is signed for).
 */
export interface AwsEndpoints {
  /** `AWS_ENDPOINT_URL`. */
  all?: string;
  /** By service id as the variables spell it (`SQS`, `STS`, `SECRETS_MANAGER`). */
  byService: Readonly<Record<string, string>>;
}

/** No endpoint configured: every call goes to AWS. */
export const AWS_ENDPOINTS_NONE: AwsEndpoints = Object.freeze({ byService: Object.freeze({}) });

const ENDPOINT_PREFIX = 'AWS_ENDPOINT_URL_';

function readAwsEndpoints(reader: EnvironmentReader): AwsEndpoints {
  if (reader.isTrue('AWS_IGNORE_CONFIGURED_ENDPOINT_URLS')) return AWS_ENDPOINTS_NONE;
  const all = reader.url('AWS_ENDPOINT_URL');
  const byService: Record<string, string> = {};
  for (const name of reader.namesStartingWith(ENDPOINT_PREFIX)) {
    const url = reader.url(name);
    if (url !== undefined) byService[name.slice(ENDPOINT_PREFIX.length)] = url;
  }
  return { ...(all === undefined ? {} : { all }), byService };
}

/**
 * The configured endpoints of an environment.
 *
 * @throws ConfigError when one is not an http(s) URL.
 * @example
 * awsEndpoints({ AWS_ENDPOINT_URL: 'http://127.0.0.1:5000' }); // { all: 'http://127.0.0.1:5000', byService: {} }
 */
export function awsEndpoints(env: Environment = process.env): AwsEndpoints {
  const reader = new EnvironmentReader(env);
  const endpoints = readAwsEndpoints(reader);
  reader.done({});
  return endpoints;
}

/** How a function reaches a cluster's Kubernetes API. */
export interface ClusterAccessSettings {
  /** `KUBECONFIG`: when set, its current context wins over EKS (local runs against kind, minikube). */
  kubeconfig?: string;
  /** The STS endpoint the EKS token is signed for follows them. */
  endpoints: AwsEndpoints;
}

/**
 * `KUBECONFIG` and the configured AWS endpoints: what connecting to a cluster reads.
 *
 * @throws ConfigError when an endpoint is not an http(s) URL.
 * @example
 * const k8s = await connectToCluster({ clusterName: 'payments', region: 'eu-west-1', eks, ...clusterAccessSettings() });
 */
export function clusterAccessSettings(env: Environment = process.env): Readonly<ClusterAccessSettings> {
  const reader = new EnvironmentReader(env);
  return reader.done({ ...kubeconfigSetting(reader), endpoints: readAwsEndpoints(reader) });
}

/** What every function reads. */
export interface FunctionSettings {
  /** `AWS_REGION`: the function's own Region (its queue, its parameters). */
  region: string;
  /** `EKS_PILOT_SPECS`: the spec files or folders, comma-separated. */
  specPaths: readonly string[];
  endpoints: AwsEndpoints;
}

/** Functions that publish CloudWatch metrics. */
export interface MetricsSettings {
  /** `EKS_PILOT_METRICS_NAMESPACE`. */
  metricsNamespace: string;
}

/** Where release records are kept outside the clusters: the stack's DynamoDB table. */
export interface ReleaseStoreSettings {
  /** `EKS_PILOT_RELEASE_TABLE`: the durable release store (in the function's Region); unset, the records live in the clusters only. */
  releaseTable?: string;
}

export interface ProvisionSettings extends FunctionSettings, MetricsSettings, ReleaseStoreSettings {
  /** `EKS_PILOT_LEASE_TABLE`: the DynamoDB table of the rebuild leases (each cluster's Region). */
  leaseTable: string;
  /** `EKS_PILOT_DEPLOY_WORKER_FUNCTION`: the deploy-worker function a rebuild asks for each workload's restore. */
  deployWorkerFunction?: string;
  /** `EKS_PILOT_EIP_MANAGER_FUNCTION`: the eip-manager function a rebuild invokes to re-attach the pools. */
  eipManagerFunction?: string;
  /** `AWS_LAMBDA_FUNCTION_NAME` (Lambda sets it): who holds a rebuild's lease. */
  functionName: string;
  /** `EKS_PILOT_DRIFT_TOPIC_ARN`: the SNS topic told of new drift; none, no notifications. */
  driftTopicArn?: string;
  /** `EKS_PILOT_DRIFT_PARAMETER_PREFIX`: where the drift already told of is remembered (SSM). */
  driftParameterPrefix: string;
  /** `EKS_PILOT_VALIDATE`: `true` validates each cluster through its Kubernetes API once an apply converged it. */
  validate: boolean;
  /** `EKS_PILOT_FLEET_QUEUE_URL`: the queue a scheduled run of a fleet fans out to; none, the fleet runs in one invocation. */
  fleetQueueUrl?: string;
}

/** Functions that tell of what they did (shared/model/notification.ts). */
export interface NotifySettings {
  /** `EKS_PILOT_NOTIFY_TOPIC_ARN`: the SNS topic of deploy, eip-manager and scale-watch events; none, no notifications. */
  notifyTopicArn?: string;
}

export interface EipManagerSettings extends FunctionSettings, MetricsSettings, NotifySettings {
  /** `EKS_PILOT_LEASE_TABLE`: the DynamoDB table of the pools' leases. */
  leaseTable: string;
  /** `EKS_PILOT_STAGE`: the stage the allow-list parameter names carry. */
  stage?: string;
  /** `AWS_LAMBDA_FUNCTION_NAME` (Lambda sets it): who holds a lease. */
  functionName: string;
  /** `EKS_PILOT_FLEET_QUEUE_URL`: the queue a scheduled run of a fleet fans out to; none, the fleet runs in one invocation. */
  fleetQueueUrl?: string;
}

export interface ScaleWatchSettings extends FunctionSettings, MetricsSettings, ClusterAccessSettings, NotifySettings {
  /** `EKS_PILOT_SCALE_TOPIC_ARN`: the topic scale-watch told before the shared one; used when `notifyTopicArn` is unset. */
  scaleTopicArn?: string;
}

export interface DeployWebhookSettings extends FunctionSettings {
  /** `EKS_PILOT_WEBHOOK_SECRET`: where the GitHub webhook secret is, `ssm:<current>[,<previous>]` or `secretsmanager:<id>`. */
  webhookSecret: string;
  /** `EKS_PILOT_DEPLOY_QUEUE_URL`: the deploy queue. */
  deployQueueUrl: string;
  /** `EKS_PILOT_WEBHOOK_MAX_BYTES`: the largest body read. */
  webhookMaxBytes: number;
}

export interface DeployWorkerSettings extends FunctionSettings, ClusterAccessSettings, NotifySettings, ReleaseStoreSettings {
  /** `EKS_PILOT_DEPLOY_QUEUE_URL`: where watches are handed on; only a send needs it. */
  deployQueueUrl?: string;
  /** `EKS_PILOT_GITHUB_TOKEN`: where the GitHub token of missed-push recovery is, `ssm:<parameter>` or `secretsmanager:<id>`. */
  githubToken?: { ssm: string } | { secretsManager: string };
  /** `EKS_PILOT_GITHUB_API_URL`: GitHub's REST API (a GitHub Enterprise Server's `https://<host>/api/v3`). */
  githubApiUrl: string;
  /** `EKS_PILOT_ROLLOUT_POLL_MS`. */
  rolloutPollMs: number;
  /** `EKS_PILOT_ROLLOUT_RESERVE_MS`. */
  rolloutReserveMs: number;
  /**
   * `EKS_PILOT_LEASE_TABLE`: the shared lease table each workload's lease is taken in (one writer per
   * workload, worker/lease.ts); unset, no lease (a local run beside nothing else).
   */
  leaseTable?: string;
  /** `AWS_LAMBDA_FUNCTION_NAME` (Lambda sets it): who holds a workload's lease. */
  functionName: string;
}

export interface CliSettings extends ClusterAccessSettings, ReleaseStoreSettings {
  /** `AWS_REGION`: the Region of the stack's release table. */
  region: string;
  /** `EKS_PILOT_SPECS` when a command names no spec; empty when unset. */
  specPaths: readonly string[];
  /** `EKS_PILOT_LEASE_TABLE`. */
  leaseTable: string;
  /** `EKS_PILOT_STAGE`: the stage whose allow-list names `pools` shows. */
  stage?: string;
}

export interface LoggerSettings {
  /** `POWERTOOLS_SERVICE_NAME`, when set. */
  serviceName?: string;
}

const REGION = /^[a-z]{2}(-[a-z]+)+-\d+$/;
const SNS_TOPIC_ARN = /^arn:aws[a-z-]*:sns:[a-z]{2}(-[a-z]+)+-\d+:\d{12}:[A-Za-z0-9_-]{1,256}(\.fifo)?$/;
const STAGE = /^[A-Za-z0-9_.-]+$/;
const PARAMETER_PREFIX = /^(\/[A-Za-z0-9_.-]+)+$/;
const WEBHOOK_SECRET = /^(ssm:\s*[^,\s]+\s*(,\s*[^,\s]+\s*)?|secretsmanager:\s*\S+)$/;

function functionSettings(reader: EnvironmentReader): FunctionSettings {
  return {
    region: reader.matching('AWS_REGION', REGION, 'an AWS Region such as eu-west-1') ?? SETTING_DEFAULTS.region,
    specPaths: specPathsFrom(reader.raw('EKS_PILOT_SPECS')),
    endpoints: readAwsEndpoints(reader),
  };
}

function metricsSettings(reader: EnvironmentReader): MetricsSettings {
  return { metricsNamespace: reader.text('EKS_PILOT_METRICS_NAMESPACE') ?? SETTING_DEFAULTS.metricsNamespace };
}

function kubeconfigSetting(reader: EnvironmentReader): { kubeconfig?: string } {
  return optional('kubeconfig', reader.text('KUBECONFIG'));
}

function optional<K extends string>(key: K, value: string | undefined): Partial<Record<K, string>> {
  return value === undefined ? {} : ({ [key]: value } as Record<K, string>);
}

function topicArn(reader: EnvironmentReader, name: string): string | undefined {
  return reader.matching(name, SNS_TOPIC_ARN, 'an SNS topic ARN (arn:aws:sns:<region>:<account>:<name>)');
}

function notifySettings(reader: EnvironmentReader): NotifySettings {
  return optional('notifyTopicArn', topicArn(reader, 'EKS_PILOT_NOTIFY_TOPIC_ARN'));
}

const GITHUB_TOKEN = /^(ssm|secretsmanager):\s*(\S+)$/;

function githubTokenSetting(reader: EnvironmentReader): Pick<DeployWorkerSettings, 'githubToken'> {
  const value = reader.matching('EKS_PILOT_GITHUB_TOKEN', GITHUB_TOKEN, 'ssm:<SecureString parameter> or secretsmanager:<secret id>');
  const match = value === undefined ? null : GITHUB_TOKEN.exec(value);
  if (match === null) return {};
  const where = match[2] ?? '';
  return { githubToken: match[1] === 'ssm' ? { ssm: where } : { secretsManager: where } };
}

function stage(reader: EnvironmentReader): string | undefined {
  return reader.matching('EKS_PILOT_STAGE', STAGE, 'a stage name of letters, digits, "-", "_" or "."');
}

/**
 * provision's settings.
 *
 * @throws ConfigError naming every variable that cannot be used.
 * @example
 * const settings = provisionSettings();
 * settings.driftTopicArn; // undefined: no notifications
 */
export function provisionSettings(env: Environment = process.env): Readonly<ProvisionSettings> {
  const reader = new EnvironmentReader(env);
  return reader.done({
    ...functionSettings(reader),
    ...metricsSettings(reader),
    ...optional('driftTopicArn', topicArn(reader, 'EKS_PILOT_DRIFT_TOPIC_ARN')),
    driftParameterPrefix:
      reader.matching('EKS_PILOT_DRIFT_PARAMETER_PREFIX', PARAMETER_PREFIX, 'an SSM parameter path such as /eks-pilot/dev/drift') ??
      SETTING_DEFAULTS.driftParameterPrefix,
    validate: reader.isTrue('EKS_PILOT_VALIDATE'),
    ...optional('fleetQueueUrl', reader.url('EKS_PILOT_FLEET_QUEUE_URL')),
    ...optional('releaseTable', reader.text('EKS_PILOT_RELEASE_TABLE')),
    leaseTable: reader.text('EKS_PILOT_LEASE_TABLE') ?? SETTING_DEFAULTS.leaseTable,
    ...optional('deployWorkerFunction', reader.text('EKS_PILOT_DEPLOY_WORKER_FUNCTION')),
    ...optional('eipManagerFunction', reader.text('EKS_PILOT_EIP_MANAGER_FUNCTION')),
    functionName: reader.text('AWS_LAMBDA_FUNCTION_NAME') ?? 'provision',
  });
}

/**
 * eip-manager's settings.
 *
 * @throws ConfigError naming every variable that cannot be used.
 * @example
 * eipManagerSettings({ EKS_PILOT_STAGE: 'prod' }).leaseTable; // 'eks-pilot-leases'
 */
export function eipManagerSettings(env: Environment = process.env): Readonly<EipManagerSettings> {
  const reader = new EnvironmentReader(env);
  return reader.done({
    ...functionSettings(reader),
    ...metricsSettings(reader),
    leaseTable: reader.text('EKS_PILOT_LEASE_TABLE') ?? SETTING_DEFAULTS.leaseTable,
    ...optional('stage', stage(reader)),
    ...notifySettings(reader),
    functionName: reader.text('AWS_LAMBDA_FUNCTION_NAME') ?? 'eip-manager',
    ...optional('fleetQueueUrl', reader.url('EKS_PILOT_FLEET_QUEUE_URL')),
  });
}

/**
 * scale-watch's settings.
 *
 * @throws ConfigError naming every variable that cannot be used.
 * @example
 * scaleWatchSettings({ KUBECONFIG: '/tmp/kind' }).kubeconfig; // '/tmp/kind'
 */
export function scaleWatchSettings(env: Environment = process.env): Readonly<ScaleWatchSettings> {
  const reader = new EnvironmentReader(env);
  return reader.done({
    ...functionSettings(reader),
    ...metricsSettings(reader),
    ...kubeconfigSetting(reader),
    ...optional('scaleTopicArn', topicArn(reader, 'EKS_PILOT_SCALE_TOPIC_ARN')),
    ...notifySettings(reader),
  });
}

/**
 * deploy-webhook's settings: the secret's place and the queue are required.
 *
 * @throws ConfigError naming every variable that is missing or cannot be used.
 * @example
 * deployWebhookSettings({ EKS_PILOT_WEBHOOK_SECRET: 'ssm:/eks-pilot/dev/github-webhook-secret', EKS_PILOT_DEPLOY_QUEUE_URL: 'https://sqs.eu-west-1.amazonaws.com/123456789012/q.fifo' }).webhookMaxBytes; // 1048576
 */
export function deployWebhookSettings(env: Environment = process.env): Readonly<DeployWebhookSettings> {
  const reader = new EnvironmentReader(env);
  const base = functionSettings(reader);
  const webhookSecret = reader.required(
    'EKS_PILOT_WEBHOOK_SECRET',
    'where the GitHub webhook secret is (ssm:<parameter>[,<previous>] or secretsmanager:<secret id>)',
  );
  if (webhookSecret !== '' && !WEBHOOK_SECRET.test(webhookSecret)) {
    reader.fail(
      'EKS_PILOT_WEBHOOK_SECRET',
      `EKS_PILOT_WEBHOOK_SECRET must be ssm:<parameter>[,<previous parameter>] or secretsmanager:<secret id>, got ${quoted(webhookSecret)}`,
    );
  }
  const deployQueueUrl = reader.required('EKS_PILOT_DEPLOY_QUEUE_URL', 'the deploy queue (its URL)');
  if (deployQueueUrl !== '') reader.url('EKS_PILOT_DEPLOY_QUEUE_URL');
  return reader.done({
    ...base,
    webhookSecret,
    deployQueueUrl,
    webhookMaxBytes: reader.positiveInteger('EKS_PILOT_WEBHOOK_MAX_BYTES', SETTING_DEFAULTS.webhookMaxBytes),
  });
}

/**
 * deploy-worker's settings.
 *
 * @throws ConfigError naming every variable that cannot be used.
 * @example
 * deployWorkerSettings({ EKS_PILOT_ROLLOUT_POLL_MS: 'abc' }); // throws: EKS_PILOT_ROLLOUT_POLL_MS must be a positive integer, got "abc"
 */
export function deployWorkerSettings(env: Environment = process.env): Readonly<DeployWorkerSettings> {
  const reader = new EnvironmentReader(env);
  return reader.done({
    ...functionSettings(reader),
    ...kubeconfigSetting(reader),
    ...optional('deployQueueUrl', reader.url('EKS_PILOT_DEPLOY_QUEUE_URL')),
    ...notifySettings(reader),
    ...githubTokenSetting(reader),
    githubApiUrl: reader.url('EKS_PILOT_GITHUB_API_URL') ?? SETTING_DEFAULTS.githubApiUrl,
    ...optional('releaseTable', reader.text('EKS_PILOT_RELEASE_TABLE')),
    rolloutPollMs: reader.positiveInteger('EKS_PILOT_ROLLOUT_POLL_MS', SETTING_DEFAULTS.rolloutPollMs),
    rolloutReserveMs: reader.nonNegativeInteger('EKS_PILOT_ROLLOUT_RESERVE_MS', SETTING_DEFAULTS.rolloutReserveMs),
    ...optional('leaseTable', reader.text('EKS_PILOT_LEASE_TABLE')),
    functionName: reader.text('AWS_LAMBDA_FUNCTION_NAME') ?? 'deploy-worker',
  });
}

/**
 * The CLI's settings.
 *
 * @throws ConfigError naming every variable that cannot be used.
 * @example
 * cliSettings({ EKS_PILOT_SPECS: 'examples/kianax' }).specPaths; // ['examples/kianax']
 */
export function cliSettings(env: Environment = process.env): Readonly<CliSettings> {
  const reader = new EnvironmentReader(env);
  return reader.done({
    specPaths: specPathsFrom(reader.raw('EKS_PILOT_SPECS'), []),
    region: reader.matching('AWS_REGION', REGION, 'an AWS Region such as eu-west-1') ?? SETTING_DEFAULTS.region,
    ...optional('releaseTable', reader.text('EKS_PILOT_RELEASE_TABLE')),
    ...kubeconfigSetting(reader),
    endpoints: readAwsEndpoints(reader),
    leaseTable: reader.text('EKS_PILOT_LEASE_TABLE') ?? SETTING_DEFAULTS.leaseTable,
    ...optional('stage', stage(reader)),
  });
}

/**
 * `EKS_PILOT_DEBUG` set to anything: the CLI prints an internal error's stack. Never throws: it is
 * asked while a failure (perhaps a {@link ConfigError}) is being described.
 *
 * @example
 * cliDebug({ EKS_PILOT_DEBUG: '1' }); // true
 */
export function cliDebug(env: Environment = process.env): boolean {
  return new EnvironmentReader(env).isSet('EKS_PILOT_DEBUG');
}

/**
 * What the shared logger reads: the service name when the caller gives none.
 *
 * @example
 * loggerSettings({ POWERTOOLS_SERVICE_NAME: 'eip-manager' }).serviceName; // 'eip-manager'
 */
export function loggerSettings(env: Environment = process.env): Readonly<LoggerSettings> {
  const reader = new EnvironmentReader(env);
  return reader.done({ ...optional('serviceName', reader.text('POWERTOOLS_SERVICE_NAME')) });
}

/**
 * The error for a setting a request needs but the environment lacks (a queue URL only a send needs).
 *
 * @example
 * throw missingSetting('EKS_PILOT_DEPLOY_QUEUE_URL', 'the deploy queue (its URL)');
 */
export function missingSetting(variable: string, what: string): ConfigError {
  return new ConfigError([{ variable, message: `${variable} is not set: it names ${what}` }]);
}

function quoted(value: string): string {
  return JSON.stringify(clip(value));
}
