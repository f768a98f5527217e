import {
  AutoScalingClient,
  AutoScalingServiceException,
  CreateOrUpdateTagsCommand,
  DeleteTagsCommand,
  LimitExceededFault,
  ResourceContentionFault,
  paginateDescribeAutoScalingGroups,
} from '@aws-sdk/client-auto-scaling';
import type { AutoScalingGroup } from '@aws-sdk/client-auto-scaling';
import { EksPilotError, RequestRejectedError, ResourceBusyError, ThrottledError, UpstreamError } from '../../errors';
import { awsClient } from './clients';
import { isThrottling } from './throttling';
import type { AutoScalingPort, AutoScalingReadName, AutoScalingWrite, AutoScalingWriteKind } from '../../ports/autoscaling';

/** Every Auto Scaling API action the adapter calls, as named in CloudTrail and in error messages. */
type AutoScalingAction = AutoScalingWriteKind | AutoScalingReadName;

/** DescribeAutoScalingGroups takes at most 100 names a call (its `MaxRecords` and name list limit, Auto Scaling API reference). */
const NAMES_PER_CALL = 100;

/**
 * Error codes the request itself is wrong for (Auto Scaling API reference, "Common errors" and each
 * action's errors): `ValidationError` is not modelled, so the SDK throws an
 * AutoScalingServiceException whose `name` is the code.
 */
const REJECTED = new Set(['ValidationError', 'InvalidParameterValue', 'InvalidParameterCombination', 'MissingParameter', 'AccessDenied']);

/**
 * {@link AutoScalingPort} over the AWS SDK v3 Auto Scaling client: reads follow every page; writes
 * send the plan's request as is and turn Auto Scaling's faults into the typed errors of
 * shared/errors.ts (ResourceContentionFault: busy; Throttling: throttled; LimitExceededFault, the
 * 50 tags a group may carry, and ValidationError: rejected).
 *
 * @example
 * import { AutoScalingClient } from '@aws-sdk/client-auto-scaling';
 *
 * const autoScaling = new AutoScalingAdapter(new AutoScalingClient({ region: 'us-east-1' }));
 * const [group] = await autoScaling.describeAutoScalingGroups(['eks-jobs-ng-4ac5d6e2-1a2b-3c4d-5e6f-7a8b9c0d1e2f']);
 */
export class AutoScalingAdapter implements AutoScalingPort {
  private readonly client: AutoScalingClient;

  constructor(client: AutoScalingClient) {
    this.client = client;
  }

  async describeAutoScalingGroups(names: readonly string[]): Promise<AutoScalingGroup[]> {
    if (names.length === 0) return [];
    const found: AutoScalingGroup[] = [];
    for (let start = 0; start < names.length; start += NAMES_PER_CALL) {
      const batch = names.slice(start, start + NAMES_PER_CALL);
      try {
        // A fresh input per batch: the paginator writes NextToken into the input it is given.
        const pages = paginateDescribeAutoScalingGroups({ client: this.client }, { AutoScalingGroupNames: [...batch], MaxRecords: NAMES_PER_CALL });
        for await (const page of pages) {
          found.push(...(page.AutoScalingGroups ?? []));
        }
      } catch (error) {
        throw toAutoScalingError('DescribeAutoScalingGroups', error, { names: batch });
      }
    }
    return found;
  }

  async execute(write: AutoScalingWrite): Promise<Record<string, never>> {
    const send = this.sender(write);
    try {
      await send();
      return {};
    } catch (error) {
      throw toAutoScalingError(write.kind, error, { groups: [...new Set((write.request.Tags ?? []).map((tag) => tag.ResourceId))] });
    }
  }

  /** The SDK call for one write, with the plan's request passed through untouched. */
  private sender(write: AutoScalingWrite): () => Promise<unknown> {
    switch (write.kind) {
      case 'CreateOrUpdateTags':
        return () => this.client.send(new CreateOrUpdateTagsCommand(write.request));
      case 'DeleteTags':
        return () => this.client.send(new DeleteTagsCommand(write.request));
      default: {
        const unknown: never = write;
        throw new EksPilotError('unknown Auto Scaling write kind', { context: { kind: (unknown as { kind?: unknown }).kind } });
      }
    }
  }
}

/**
 * Builds the production {@link AutoScalingPort}: an {@link AutoScalingAdapter} over the Auto Scaling
 * client the shared factory caches per region and role.
 *
 * @example
 * const autoScaling = createAutoScalingPort({ region: 'us-east-1', assumeRoleArn: 'arn:aws:iam::123456789012:role/eks-pilot' });
 */
export function createAutoScalingPort(options: { region: string; assumeRoleArn?: string }): AutoScalingAdapter {
  return new AutoScalingAdapter(awsClient(AutoScalingClient, options));
}

/** Turns whatever an SDK call threw into the suite's typed errors, keeping the original as `cause` and the code in `context`. */
function toAutoScalingError(action: AutoScalingAction, error: unknown, facts: Record<string, unknown>): UpstreamError {
  const code = error instanceof AutoScalingServiceException ? error.name : undefined;
  const message = error instanceof Error ? error.message : String(error);
  const options = { cause: error, context: { action, ...(code ? { code } : {}), ...facts } };
  if (error instanceof ResourceContentionFault) return new ResourceBusyError(`${action} refused while the group is busy (${code}): ${message}`, options);
  if (code === 'Throttling' || isThrottling(error)) return new ThrottledError(`${action} throttled after the SDK's retries (${code ?? 'throttling'})`, options);
  if (error instanceof LimitExceededFault) return new RequestRejectedError(`${action} rejected: a group takes at most 50 tags (${code}): ${message}`, options);
  if (code !== undefined && REJECTED.has(code)) return new RequestRejectedError(`${action} rejected (${code}): ${message}`, options);
  const detail = error instanceof Error ? `${error.name}: ${message}` : message;
  return new UpstreamError(`${action} failed: ${detail}`, options);
}
