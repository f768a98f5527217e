/**
 * Drift memory in SSM Parameter Store: one String parameter per cluster, so what was last notified
 * survives cold starts and is shared by every container.
 */
import { createHash } from 'node:crypto';
import { DeleteParameterCommand, GetParameterCommand, ParameterNotFound, PutParameterCommand, SSMClient } from '@aws-sdk/client-ssm';
import { EksPilotError, UpstreamError } from '../../errors';
import { awsClient } from './clients';

/** The largest value a standard-tier parameter holds, in bytes. */
export const STANDARD_PARAMETER_LIMIT = 4096;

/** The SSM actions the memory calls, as named in CloudTrail and in error messages. */
type SsmAction = 'GetParameter' | 'PutParameter' | 'DeleteParameter';

/**
 * The drift memory port of `functions/provision/notify.ts` (`DriftMemory`) over the AWS SDK v3 SSM
 * client. The parameter of a cluster is `${prefix}/${region}/${cluster}`, its value a JSON array of
 * the sorted drift entries, or of their SHA-256 hex digests when the entries would not fit a
 * standard parameter. Nothing remembered is `null`; forgetting what is not there is done.
 *
 * @example
 * import { SSMClient } from '@aws-sdk/client-ssm';
 *
 * const memory = new SsmDriftMemory(new SSMClient({ region: 'eu-west-1' }), '/eks-pilot/dev/drift');
 * await memory.remember('eu-west-1', 'payments', ['nodegroup/jobs-ng scaling.max']); // /eks-pilot/dev/drift/eu-west-1/payments
 * await memory.recall('eu-west-1', 'payments'); // ['nodegroup/jobs-ng scaling.max']
 */
export class SsmDriftMemory {
  private readonly client: SSMClient;
  private readonly prefix: string;

  /** @param prefix Parameter path the names start with, e.g. `/eks-pilot/dev/drift`; a trailing `/` is dropped. */
  constructor(client: SSMClient, prefix: string) {
    // SSM requires a name with more than one level to be fully qualified.
    if (!prefix.startsWith('/')) throw new EksPilotError('the drift parameter prefix must start with "/"', { context: { prefix } });
    this.client = client;
    this.prefix = prefix.replace(/\/+$/, '');
  }

  /** The parameter that holds a cluster's drift. */
  parameterName(region: string, cluster: string): string {
    return `${this.prefix}/${region}/${cluster}`;
  }

  async recall(region: string, cluster: string): Promise<string[] | null> {
    const name = this.parameterName(region, cluster);
    try {
      const output = await this.client.send(new GetParameterCommand({ Name: name }));
      return parseEntries(output.Parameter?.Value);
    } catch (error) {
      if (error instanceof ParameterNotFound) return null;
      throw toSsmError('GetParameter', name, error);
    }
  }

  async remember(region: string, cluster: string, drift: string[]): Promise<void> {
    const name = this.parameterName(region, cluster);
    const value = encodeEntries(drift, name);
    try {
      await this.client.send(new PutParameterCommand({ Name: name, Value: value, Type: 'String', Overwrite: true }));
    } catch (error) {
      throw toSsmError('PutParameter', name, error);
    }
  }

  async forget(region: string, cluster: string): Promise<void> {
    const name = this.parameterName(region, cluster);
    try {
      await this.client.send(new DeleteParameterCommand({ Name: name }));
    } catch (error) {
      if (error instanceof ParameterNotFound) return;
      throw toSsmError('DeleteParameter', name, error);
    }
  }
}

/**
 * Builds the production drift memory: an {@link SsmDriftMemory} over the SSM client the shared
 * factory caches per region. `region` is where the parameters live (the function's own Region), not
 * the clusters'.
 *
 * @example
 * const memory = createSsmDriftMemory({ region: 'eu-west-1', prefix: '/eks-pilot/dev/drift' });
 */
export function createSsmDriftMemory(options: { region: string; prefix: string }): SsmDriftMemory {
  return new SsmDriftMemory(awsClient(SSMClient, { region: options.region }), options.prefix);
}

/** The parameter value for a drift set: sorted, without duplicates, digested when the text would not fit. */
function encodeEntries(drift: readonly string[], name: string): string {
  const entries = [...new Set(drift)].sort();
  const plain = JSON.stringify(entries);
  if (Buffer.byteLength(plain, 'utf8') <= STANDARD_PARAMETER_LIMIT) return plain;
  // Too long for a standard parameter: store each entry's SHA-256 hex digest, the same as notify.ts's driftDigest, which recognises them.
  const digested = JSON.stringify(entries.map((entry) => createHash('sha256').update(entry, 'utf8').digest('hex')).sort());
  if (digested.length <= STANDARD_PARAMETER_LIMIT) return digested;
  throw new EksPilotError('too much drift to remember in a standard parameter', {
    context: { name, entries: entries.length, bytes: digested.length, limit: STANDARD_PARAMETER_LIMIT },
  });
}

/**
 * The entries a parameter holds. A value that is not a JSON array of strings (edited by hand, say)
 * counts as an empty set: the next drift notifies and overwrites it, the next convergence deletes it.
 */
function parseEntries(value: string | undefined): string[] {
  if (value === undefined) return [];
  try {
    const parsed: unknown = JSON.parse(value);
    return isStringArray(parsed) ? parsed : [];
  } catch {
    return [];
  }
}

function isStringArray(value: unknown): value is string[] {
  return Array.isArray(value) && value.every((entry) => typeof entry === 'string');
}

/** Names the action and parameter, keeps the SDK error as `cause`. */
function toSsmError(action: SsmAction, name: string, error: unknown): UpstreamError {
  const detail = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
  return new UpstreamError(`${action} failed: ${detail}`, { cause: error, context: { action, name } });
}
