import {
  CloudWatchClient,
  InvalidParameterCombinationException,
  InvalidParameterValueException,
  LimitExceededFault,
  MissingRequiredParameterException,
  PutMetricAlarmCommand,
  paginateDescribeAlarms,
} from '@aws-sdk/client-cloudwatch';
import type { CompositeAlarm, DescribeAlarmsCommandInput, MetricAlarm, PutMetricAlarmCommandInput } from '@aws-sdk/client-cloudwatch';
import { RequestRejectedError, ThrottledError, UpstreamError } from '../../errors';
import { awsClient } from './clients';
import { isThrottling } from './throttling';
import type { AlarmQuery, CloudWatchAlarmsPort, DescribedAlarms } from '../../ports/cloudwatch';

/** DescribeAlarms takes at most this many names per request. */
export const ALARM_NAMES_PER_REQUEST = 100;

type CloudWatchAction = 'DescribeAlarms' | 'PutMetricAlarm';

/**
 * {@link CloudWatchAlarmsPort} over the AWS SDK v3 CloudWatch client: reads follow every page (and
 * split long name lists into requests of {@link ALARM_NAMES_PER_REQUEST}); failures become the typed
 * errors of shared/errors.ts with the SDK exception as `cause`.
 *
 * @example
 * import { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
 *
 * const cloudWatch = new CloudWatchAdapter(new CloudWatchClient({ region: 'us-east-1' }));
 * const { metricAlarms } = await cloudWatch.describeAlarms({ names: ['kianax-general-ng-cpu-high'] });
 */
export class CloudWatchAdapter implements CloudWatchAlarmsPort {
  private readonly client: CloudWatchClient;

  constructor(client: CloudWatchClient) {
    this.client = client;
  }

  async describeAlarms(query: AlarmQuery): Promise<DescribedAlarms> {
    const inputs: DescribeAlarmsCommandInput[] =
      'names' in query
        ? chunks(query.names, ALARM_NAMES_PER_REQUEST).map((names) => ({ AlarmNames: names, AlarmTypes: ['MetricAlarm', 'CompositeAlarm'] }))
        : [{ AlarmNamePrefix: query.prefix, AlarmTypes: ['MetricAlarm', 'CompositeAlarm'] }];
    const metricAlarms: MetricAlarm[] = [];
    const compositeAlarms: CompositeAlarm[] = [];
    try {
      for (const input of inputs) {
        for await (const page of paginateDescribeAlarms({ client: this.client }, input)) {
          metricAlarms.push(...(page.MetricAlarms ?? []));
          compositeAlarms.push(...(page.CompositeAlarms ?? []));
        }
      }
    } catch (error) {
      throw toCloudWatchError('DescribeAlarms', error);
    }
    return { metricAlarms, compositeAlarms };
  }

  async putMetricAlarm(request: PutMetricAlarmCommandInput): Promise<void> {
    try {
      await this.client.send(new PutMetricAlarmCommand(request));
    } catch (error) {
      throw toCloudWatchError('PutMetricAlarm', error, request.AlarmName);
    }
  }
}

/**
 * Builds the production {@link CloudWatchAlarmsPort}: a {@link CloudWatchAdapter} over the client
 * the shared factory caches per region and role.
 *
 * @example
 * const cloudWatch = createCloudWatchPort({ region: 'us-east-1' });
 */
export function createCloudWatchPort(options: { region: string; assumeRoleArn?: string }): CloudWatchAdapter {
  return new CloudWatchAdapter(awsClient(CloudWatchClient, options));
}

function toCloudWatchError(action: CloudWatchAction, error: unknown, alarm?: string): UpstreamError {
  const options = { cause: error, context: { action, ...(alarm === undefined ? {} : { alarm }) } };
  if (isThrottling(error)) return new ThrottledError(`${action} throttled after the SDK's retries`, options);
  if (
    error instanceof InvalidParameterValueException ||
    error instanceof InvalidParameterCombinationException ||
    error instanceof MissingRequiredParameterException ||
    error instanceof LimitExceededFault
  ) {
    return new RequestRejectedError(`${action} rejected: ${error.message}`, options);
  }
  const detail = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
  return new UpstreamError(`${action} failed: ${detail}`, options);
}

function chunks<T>(items: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let index = 0; index < items.length; index += size) out.push(items.slice(index, index + size));
  return out;
}
