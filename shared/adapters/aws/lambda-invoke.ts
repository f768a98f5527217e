/**
 * What a rebuild asks of this stack's other functions, through Lambda `Invoke` (AWS Lambda API
 * Reference, Invoke): the pools port as a synchronous invoke of eip-manager
 * (`InvocationType: RequestResponse`, its manual invoke `{"mode": "apply", "cluster": "..."}`,
 * answered with its cluster reports; a function error, the response's `FunctionError` set and the
 * payload the error object, is raised as an UpstreamError with eip-manager's message), and the
 * restores port as an asynchronous invoke of deploy-worker (`InvocationType: Event`, accepted with
 * status 202; Lambda queues it and retries a failed run twice).
 */
import { InvokeCommand, LambdaClient } from '@aws-sdk/client-lambda';
import { UpstreamError } from '../../errors';
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
    let text: string;
    let functionError: string | undefined;
    try {
      const output = await this.client.send(
        new InvokeCommand({
          FunctionName: this.functionName,
          InvocationType: 'RequestResponse',
          Payload: new TextEncoder().encode(JSON.stringify({ mode: 'apply', cluster })),
        }),
      );
      text = output.Payload === undefined ? '' : new TextDecoder().decode(output.Payload);
      functionError = output.FunctionError;
    } catch (error) {
      const detail = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
      throw new UpstreamError(`Invoke of ${this.functionName} failed: ${detail}`, {
        cause: error,
        context: { action: 'Invoke', functionName: this.functionName, cluster },
      });
    }
    const answer = parse(text);
    if (functionError !== undefined) {
      const message = typeof answer?.errorMessage === 'string' ? answer.errorMessage : text.slice(0, 500);
      throw new UpstreamError(`${this.functionName} failed (${functionError}): ${message}`, {
        context: { action: 'Invoke', functionName: this.functionName, cluster },
      });
    }
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
