/**
 * What a rebuild asks of this stack's other functions, through Lambda `Invoke` (AWS Lambda API
 * Reference, Invoke): the pools port as a synchronous invoke of eip-manager
 * (`InvocationType: RequestResponse`, its manual invoke `{"mode": "apply", "cluster": "..."}`,
 * answered with its cluster reports; a function error, the response's `FunctionError` set and the
 * payload the error object, is raised as an UpstreamError with eip-manager's message), the platform
 * port as a synchronous invoke of deploy-worker (its manual invoke `{"action": "platform",
 * "cluster": "..."}`, answered `{"action": "platform", "reports": [...]}`), and the
 * restores port as an asynchronous invoke of deploy-worker (`InvocationType: Event`, accepted with
 * status 202; Lambda queues it and retries a failed run twice).
 */
import { InvokeCommand, LambdaClient } from '@aws-sdk/client-lambda';
import { UpstreamError } from '../../errors';
import type { PlatformPort } from '../../ports/platform';
import type { PoolsPort } from '../../ports/pools';
import type { RestoresPort } from '../../ports/restores';
import type { RestoreInvoke } from '../../model/restore';
import type { Status } from '../../reconcile/status';
import { STATUSES } from '../../reconcile/status';
import { awsClient } from './clients';

/**
 * {@link PoolsPort} over the AWS SDK v3 Lambda client.
 *
 * @example
 * import { LambdaClient } from '@aws-sdk/client-lambda';
 *
 * const pools = new LambdaPools(new LambdaClient({ region: 'us-east-1' }), 'eks-pilot-dev-eip-manager');
 * await pools.reattach('financial-move'); // { status: 'Converged', summary: '...' }
 */
export class LambdaPools implements PoolsPort {
  private readonly client: LambdaClient;
  private readonly functionName: string;

  constructor(client: LambdaClient, functionName: string) {
    this.client = client;
    this.functionName = functionName;
  }

  async reattach(cluster: string): Promise<{ status: Status; summary: string }> {
    const answer = await invokeAndWait(this.client, this.functionName, { mode: 'apply', cluster }, cluster);
    const reports = Array.isArray(answer?.reports) ? (answer.reports as unknown[]) : [];
    const report = reports.find((item): item is { cluster: string; status: Status; summary?: unknown } => isReport(item) && item.cluster === cluster);
    if (report === undefined) {
      throw new UpstreamError(`${this.functionName} answered no report for cluster ${cluster}`, {
        context: { action: 'Invoke', functionName: this.functionName, cluster },
      });
    }
    return { status: report.status, summary: typeof report.summary === 'string' ? report.summary : '' };
  }
}

/**
 * Builds the production pools port over the Lambda client the shared factory caches per Region.
 *
 * @example
 * const pools = createLambdaPools({ region: settings.region, functionName: settings.eipManagerFunction });
 */
export function createLambdaPools(options: { region: string; functionName: string }): LambdaPools {
  return new LambdaPools(awsClient(LambdaClient, { region: options.region }), options.functionName);
}

/**
 * {@link RestoresPort} over the AWS SDK v3 Lambda client: one asynchronous invoke of deploy-worker per restore.
 *
 * @example
 * const restores = new LambdaRestores(new LambdaClient({ region: 'us-east-1' }), 'eks-pilot-dev-deploy-worker');
 * await restores.restore({ action: 'restore', workload: 'prod', cluster: 'financial-move', deliveryId: 'rebuild-3f0c9a52' });
 */
export class LambdaRestores implements RestoresPort {
  private readonly client: LambdaClient;
  private readonly functionName: string;

  constructor(client: LambdaClient, functionName: string) {
    this.client = client;
    this.functionName = functionName;
  }

  async restore(request: RestoreInvoke): Promise<void> {
    const context = { action: 'Invoke', functionName: this.functionName, workload: request.workload, ...(request.cluster ? { cluster: request.cluster } : {}) };
    let status: number | undefined;
    try {
      const output = await this.client.send(
        new InvokeCommand({ FunctionName: this.functionName, InvocationType: 'Event', Payload: new TextEncoder().encode(JSON.stringify(request)) }),
      );
      status = output.StatusCode;
    } catch (error) {
      const detail = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
      throw new UpstreamError(`Invoke of ${this.functionName} failed: ${detail}`, { cause: error, context });
    }
    if (status !== 202) throw new UpstreamError(`${this.functionName} did not accept the restore (status ${String(status)})`, { context });
  }
}

/**
 * Builds the production restores port over the Lambda client the shared factory caches per Region.
 *
 * @example
 * const restores = createLambdaRestores({ region: settings.region, functionName: settings.deployWorkerFunction });
 */
export function createLambdaRestores(options: { region: string; functionName: string }): LambdaRestores {
  return new LambdaRestores(awsClient(LambdaClient, { region: options.region }), options.functionName);
}

/**
 * {@link PlatformPort} over the AWS SDK v3 Lambda client: one synchronous invoke of deploy-worker's
 * `{"action": "platform", "cluster"}`, whose report (`status` Converged or Blocked, the objects
 * `applied`, the `reason` of a refusal) is the answer.
 *
 * @example
 * const platform = new LambdaPlatform(new LambdaClient({ region: 'us-east-1' }), 'eks-pilot-dev-deploy-worker');
 * await platform.apply('financial-move'); // { status: 'Converged', summary: '4 object(s) applied' }
 */
export class LambdaPlatform implements PlatformPort {
  private readonly client: LambdaClient;
  private readonly functionName: string;

  constructor(client: LambdaClient, functionName: string) {
    this.client = client;
    this.functionName = functionName;
  }

  async apply(cluster: string): Promise<{ status: Status; summary: string }> {
    const answer = await invokeAndWait(this.client, this.functionName, { action: 'platform', cluster }, cluster);
    const reports = Array.isArray(answer?.reports) ? (answer.reports as unknown[]) : [];
    const report = reports.find(
      (item): item is { cluster: string; status: Status; applied?: unknown; reason?: unknown } => isReport(item) && item.cluster === cluster,
    );
    if (report === undefined) {
      // deploy-worker reports a cluster whose platform cannot be applied; none at all means its specs give the cluster no platform.
      throw new UpstreamError(`${this.functionName} answered no platform for cluster ${cluster}: do its specs (EKS_PILOT_SPECS) give it one?`, {
        context: { action: 'Invoke', functionName: this.functionName, cluster },
      });
    }
    const applied = Array.isArray(report.applied) ? report.applied.length : 0;
    const summary = typeof report.reason === 'string' ? report.reason : `${applied} object(s) applied`;
    return { status: report.status, summary };
  }
}

/**
 * Builds the production platform port over the Lambda client the shared factory caches per Region.
 *
 * @example
 * const platform = createLambdaPlatform({ region: settings.region, functionName: settings.deployWorkerFunction });
 */
export function createLambdaPlatform(options: { region: string; functionName: string }): LambdaPlatform {
  return new LambdaPlatform(awsClient(LambdaClient, { region: options.region }), options.functionName);
}

/** A RequestResponse invoke: the answer's JSON, or an UpstreamError naming the call, or the function's own error message. */
async function invokeAndWait(
  client: LambdaClient,
  functionName: string,
  payload: Record<string, unknown>,
  cluster: string,
): Promise<Record<string, unknown> | undefined> {
  const context = { action: 'Invoke', functionName, cluster };
  let text: string;
  let functionError: string | undefined;
  try {
    const output = await client.send(
      new InvokeCommand({ FunctionName: functionName, InvocationType: 'RequestResponse', Payload: new TextEncoder().encode(JSON.stringify(payload)) }),
    );
    text = output.Payload === undefined ? '' : new TextDecoder().decode(output.Payload);
    functionError = output.FunctionError;
  } catch (error) {
    const detail = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
    throw new UpstreamError(`Invoke of ${functionName} failed: ${detail}`, { cause: error, context });
  }
  const answer = parse(text);
  if (functionError !== undefined) {
    const message = typeof answer?.errorMessage === 'string' ? answer.errorMessage : text.slice(0, 500);
    // A run that timed out (AWS Lambda Developer Guide, "Troubleshoot invocation issues": `Sandbox.Timedout`,
    // "Task timed out after N seconds") is tried again by the next run; any other unhandled error needs a person.
    const timedOut = answer?.errorType === 'Sandbox.Timedout' || /Task timed out after/.test(message);
    throw new UpstreamError(`${functionName} failed (${functionError}): ${message}`, { context: { ...context, ...(timedOut ? { status: 504 } : {}) } });
  }
  // A manual invoke's caller gets its errors as an answer (shared/lambda/middleware.ts, ErrorAnswer); a retryable one counts as a 5xx.
  const answered = answer?.error;
  if (typeof answered === 'object' && answered !== null && typeof (answered as { message?: unknown }).message === 'string') {
    const { message, retryable } = answered as { message: string; retryable?: unknown };
    throw new UpstreamError(`${functionName} answered an error: ${message}`, { context: { ...context, ...(retryable === true ? { status: 503 } : {}) } });
  }
  return answer;
}

function parse(text: string): Record<string, unknown> | undefined {
  try {
    const value: unknown = JSON.parse(text);
    return typeof value === 'object' && value !== null ? (value as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

function isReport(item: unknown): item is { cluster: string; status: Status } {
  if (typeof item !== 'object' || item === null) return false;
  const { cluster, status } = item as Record<string, unknown>;
  return typeof cluster === 'string' && typeof status === 'string' && (STATUSES as readonly string[]).includes(status);
}
