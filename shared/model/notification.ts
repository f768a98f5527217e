/**
 * The one notification format of deploy-worker, eip-manager and scale-watch: what happened
 * (`event`), where (cluster and Region, the workload, pool or rule), why, and the links a person
 * needs, as a typed value; rendered once for people (the SNS `default` and `email` text) and once
 * for programs (the `sqs`, `lambda` and `https` JSON), with three SNS message attributes (`event`,
 * `function`, `cluster`) a subscription filter policy selects on. Pure: no SDK, no clock.
 *
 * Every text field goes through `scrubSecrets` (shared/errors.ts) when rendered: a reason quoted
 * from an API error never carries a token, a signature or a key.
 */
import { createHash } from 'node:crypto';
import { scrubSecrets } from '../errors';

/** Every event, `<function area>.<outcome>`. A filter policy names them (or a prefix: `deploy.`). */
export const NOTIFICATION_EVENTS = [
  'deploy.released',
  'deploy.succeeded',
  'deploy.failed',
  'deploy.rolled-back',
  'deploy.refused',
  'deploy.waiting',
  'eip.allocated',
  'eip.released',
  'eip.quota-reached',
  'eip.surplus',
  'scale.stepped',
  'scale.returned',
] as const;
export type NotificationEvent = (typeof NOTIFICATION_EVENTS)[number];

/** The functions that notify, as the `function` attribute spells them. */
export type NotifyingFunction = 'deploy-worker' | 'eip-manager' | 'scale-watch';

/** What a notification is about inside the cluster. */
export type NotificationSubject = { kind: 'workload'; name: string } | { kind: 'pool'; name: string } | { kind: 'rule'; name: string };

/** A link a person follows from the message. */
export interface NotificationLink {
  label: string;
  url: string;
}

/** One notification, before rendering. */
export interface Notification {
  event: NotificationEvent;
  function: NotifyingFunction;
  cluster: string;
  region: string;
  subject: NotificationSubject;
  /** One line: what happened (`release 4 of web succeeded`). */
  summary: string;
  /** Why: the policy rule, the rollout's failure, the alarm, the API error. */
  reason: string;
  /** When it happened (ISO 8601). */
  at: string;
  /** The same outcome always has the same key (a FIFO topic's MessageDeduplicationId is its hash). */
  dedupeKey: string;
  /** Facts a program may read: revision, image, digest, allocation id, bound moved. */
  facts: Readonly<Record<string, string | number | boolean>>;
  links: readonly NotificationLink[];
}

/** The SNS message attributes of a notification (all `String`). */
export interface NotificationAttributes {
  event: NotificationEvent;
  function: NotifyingFunction;
  cluster: string;
}

/** A notification as SNS publishes it. */
export interface RenderedNotification {
  /** Printable ASCII, at most {@link SUBJECT_LIMIT} characters (SNS refuses longer). */
  subject: string;
  /** The text for people (e-mail, SMS, chat). */
  text: string;
  /** The same as a JSON document for programs (SQS, Lambda, HTTPS subscribers). */
  json: string;
  attributes: NotificationAttributes;
  /** SHA-256 hex of the dedupe key: a FIFO topic's MessageDeduplicationId (at most 128 characters). */
  deduplicationId: string;
  /** `<cluster>`: a FIFO topic's MessageGroupId (one cluster's notifications in order). */
  groupId: string;
}

/** SNS refuses a Subject longer than this. */
export const SUBJECT_LIMIT = 100;

/** The format's version, in the JSON document: a consumer can tell a later shape. */
export const NOTIFICATION_FORMAT = 'eks-pilot.notification/v1';

/**
 * The EKS console page of a cluster.
 *
 * @example
 * eksConsoleUrl('eu-west-1', 'payments'); // 'https://console.aws.amazon.com/eks/home?region=eu-west-1#/clusters/payments'
 */
export function eksConsoleUrl(region: string, cluster: string): string {
  return `https://console.aws.amazon.com/eks/home?region=${encodeURIComponent(region)}#/clusters/${encodeURIComponent(cluster)}`;
}

/**
 * The CloudWatch console page of an alarm.
 *
 * @example
 * cloudWatchAlarmUrl('eu-west-1', 'payments-cpu-high'); // 'https://console.aws.amazon.com/cloudwatch/home?region=eu-west-1#alarmsV2:alarm/payments-cpu-high'
 */
export function cloudWatchAlarmUrl(region: string, alarm: string): string {
  return `https://console.aws.amazon.com/cloudwatch/home?region=${encodeURIComponent(region)}#alarmsV2:alarm/${encodeURIComponent(alarm)}`;
}

/**
 * The EC2 console's Elastic IP page of the Region, filtered to one allocation when given.
 *
 * @example
 * elasticIpConsoleUrl('eu-west-1', 'eipalloc-0a1b2c3d'); // 'https://console.aws.amazon.com/ec2/home?region=eu-west-1#ElasticIpDetails:AllocationId=eipalloc-0a1b2c3d'
 */
export function elasticIpConsoleUrl(region: string, allocationId?: string): string {
  const base = `https://console.aws.amazon.com/ec2/home?region=${encodeURIComponent(region)}`;
  return allocationId === undefined ? `${base}#Addresses:` : `${base}#ElasticIpDetails:AllocationId=${encodeURIComponent(allocationId)}`;
}

/**
 * The Service Quotas page of the EC2 "Elastic IP addresses" quota (code L-0263D0A3) in a Region,
 * where a person asks for more.
 *
 * @example
 * elasticIpQuotaUrl('eu-west-1'); // 'https://eu-west-1.console.aws.amazon.com/servicequotas/home/services/ec2/quotas/L-0263D0A3'
 */
export function elasticIpQuotaUrl(region: string): string {
  return `https://${encodeURIComponent(region)}.console.aws.amazon.com/servicequotas/home/services/ec2/quotas/L-0263D0A3`;
}

/**
 * The web page of a GHCR image (`ghcr.io/<owner>/<name>`): GitHub serves it at the same path on
 * ghcr.io and sends a browser on to the package page; any other registry has no link.
 *
 * @example
 * packageUrl('ghcr.io/acme/web'); // 'https://ghcr.io/acme/web'
 */
export function packageUrl(repository: string): string | undefined {
  return /^ghcr\.io\/[^/\s]+\/\S+$/.test(repository) ? `https://${repository}` : undefined;
}

/**
 * The SNS message attributes of a notification: `event`, `function` and `cluster`.
 *
 * @example
 * notificationAttributes(notification); // { event: 'deploy.failed', function: 'deploy-worker', cluster: 'payments' }
 */
export function notificationAttributes(notification: Notification): NotificationAttributes {
  return { event: notification.event, function: notification.function, cluster: notification.cluster };
}

/**
 * Renders a notification for SNS. Every text is scrubbed of secrets; the subject is cut to SNS's limit.
 *
 * @example
 * const rendered = renderNotification(notification);
 * rendered.subject; // 'eks-pilot deploy.failed: payments/web'
 */
export function renderNotification(notification: Notification): RenderedNotification {
  const clean = scrubbed(notification);
  const subject = asSubject(`eks-pilot ${clean.event}: ${clean.cluster}/${clean.subject.name}`);
  const facts = Object.entries(clean.facts).map(([key, value]) => `  ${key}: ${String(value)}`);
  const text = [
    clean.summary,
    '',
    `Event: ${clean.event} (${clean.function})`,
    `Cluster: ${clean.cluster} (${clean.region})`,
    `${capitalised(clean.subject.kind)}: ${clean.subject.name}`,
    `When: ${clean.at}`,
    `Why: ${clean.reason}`,
    ...(facts.length > 0 ? ['', 'Facts:', ...facts] : []),
    ...(clean.links.length > 0 ? ['', 'Links:', ...clean.links.map((link) => `  ${link.label}: ${link.url}`)] : []),
    '',
  ].join('\n');
  const json = JSON.stringify({
    format: NOTIFICATION_FORMAT,
    event: clean.event,
    function: clean.function,
    cluster: clean.cluster,
    region: clean.region,
    [clean.subject.kind]: clean.subject.name,
    summary: clean.summary,
    reason: clean.reason,
    at: clean.at,
    facts: clean.facts,
    links: clean.links,
  });
  return {
    subject,
    text,
    json,
    attributes: notificationAttributes(clean),
    deduplicationId: createHash('sha256').update(clean.dedupeKey).digest('hex'),
    groupId: clean.cluster,
  };
}

/**
 * The SNS subscription filter policy (FilterPolicyScope `MessageAttributes`) that delivers the
 * given events only: exact values of the `event` attribute (SNS docs, "Amazon SNS message filtering",
 * attribute string value matching).
 *
 * @example
 * filterPolicy(['deploy.failed', 'deploy.rolled-back']); // { event: ['deploy.failed', 'deploy.rolled-back'] }
 */
export function filterPolicy(events: readonly NotificationEvent[], clusters?: readonly string[]): Record<string, string[]> {
  return { event: [...events], ...(clusters === undefined ? {} : { cluster: [...clusters] }) };
}

function scrubbed(notification: Notification): Notification {
  const facts: Record<string, string | number | boolean> = {};
  for (const [key, value] of Object.entries(notification.facts)) facts[key] = typeof value === 'string' ? scrubSecrets(value) : value;
  return {
    ...notification,
    summary: scrubSecrets(notification.summary),
    reason: scrubSecrets(notification.reason),
    facts,
    links: notification.links.map((link) => ({ label: link.label, url: scrubSecrets(link.url) })),
  };
}

function capitalised(text: string): string {
  return `${text.charAt(0).toUpperCase()}${text.slice(1)}`;
}

/** Printable ASCII on one line, cut to {@link SUBJECT_LIMIT} characters with an ellipsis. */
function asSubject(text: string): string {
  const ascii = text.replace(/[^\x20-\x7e]/g, '?');
  return ascii.length <= SUBJECT_LIMIT ? ascii : `${ascii.slice(0, SUBJECT_LIMIT - 3)}...`;
}
