import { SendMessageBatchCommand } from '@aws-sdk/client-sqs';
import type { SQSClient } from '@aws-sdk/client-sqs';
import { GetParametersCommand } from '@aws-sdk/client-ssm';
import type { SSMClient } from '@aws-sdk/client-ssm';
import type { AwsClientStub } from 'aws-sdk-client-mock';
import { createHash } from 'node:crypto';
import path from 'node:path';
import webhooks from '@octokit/webhooks-examples';
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { signBody } from '../functions/deploy/webhook/signature';

export const EXAMPLES = path.join(__dirname, '../examples');
/** crypto-oms as it was with its images on GHCR (tests/fixtures/ghcr-oms): the GHCR tests' spec; the example now pushes to ECR. */
export const CRYPTO_OMS = path.join(__dirname, '../tests/fixtures/ghcr-oms/cluster.yaml');
export const FINANCIAL_MOVE = path.join(EXAMPLES, 'financial-move/cluster.yaml');

/** GitHub's documentation example secret; the events in events/deploy are signed with it. */
export const WEBHOOK_SECRET = "It's a Secret to Everybody";

/** A sha256 digest derived from a word, so tests read `digestOf('v1.1.0')`. */
export function digestOf(word: string): string {
  return `sha256:${createHash('sha256').update(word).digest('hex')}`;
}

/**
 * GitHub's own example container push (`package` event, @octokit/webhooks-examples), turned into
 * the `registry_package` event of a tagged index for `ghcr.io/<owner>/<name>:<tag>`.
 */
export function registryPackagePayload(owner: string, name: string, tag: string, digest: string, action = 'published'): Record<string, unknown> {
  const entry = webhooks.find((item) => item.name === 'package');
  const example = structuredClone(entry?.examples[1]) as unknown as Record<string, unknown> & { package: Record<string, unknown> };
  const pkg = example.package as Record<string, unknown> & {
    owner: Record<string, unknown>;
    package_version: Record<string, unknown> & { container_metadata: Record<string, Record<string, unknown>> };
  };
  delete (example as Record<string, unknown>).package;
  pkg.name = name;
  pkg.namespace = `${owner}/${name}`;
  pkg.package_type = 'CONTAINER';
  pkg.owner.login = owner;
  const version = pkg.package_version;
  version.version = digest;
  version.name = digest;
  version.package_url = `ghcr.io/${owner}/${name}:${tag}`;
  version.container_metadata.tag = { name: tag, digest };
  const manifest = version.container_metadata.manifest ?? {};
  version.container_metadata.manifest = { ...manifest, digest, media_type: 'application/vnd.oci.image.index.v1+json' };
  return { ...example, action, registry_package: pkg };
}

/** An HTTP API (2.0) request as GitHub's delivery reaches the function. */
export function webhookEvent(
  githubEvent: string,
  body: string | Buffer,
  options: { deliveryId?: string; secret?: string | null; signature?: string; base64?: boolean } = {},
): APIGatewayProxyEventV2 {
  const bytes = typeof body === 'string' ? Buffer.from(body) : body;
  const headers: Record<string, string> = {
    'content-type': 'application/json',
    'user-agent': 'GitHub-Hookshot/5a1f2e7',
    'x-github-event': githubEvent,
    'x-github-delivery': options.deliveryId ?? '72d3162e-cc78-11e3-81ab-4c9367dc0958',
  };
  const signature = options.signature ?? (options.secret === null ? undefined : signBody(bytes, options.secret ?? WEBHOOK_SECRET));
  if (signature !== undefined) headers['x-hub-signature-256'] = signature;
  return {
    version: '2.0',
    routeKey: 'POST /github/webhook',
    rawPath: '/github/webhook',
    rawQueryString: '',
    headers,
    requestContext: {
      accountId: '123456789012',
      apiId: 'a1b2c3d4e5',
      domainName: 'a1b2c3d4e5.execute-api.us-east-1.amazonaws.com',
      domainPrefix: 'a1b2c3d4e5',
      http: { method: 'POST', path: '/github/webhook', protocol: 'HTTP/1.1', sourceIp: '140.82.115.1', userAgent: 'GitHub-Hookshot/5a1f2e7' },
      requestId: 'Vz3kAjD0IAMEa7w=',
      routeKey: 'POST /github/webhook',
      stage: '$default',
      time: '22/Nov/2026:12:00:00 +0000',
      timeEpoch: 1795521600000,
    },
    body: options.base64 === true ? bytes.toString('base64') : bytes.toString('utf8'),
    isBase64Encoded: options.base64 === true,
  };
}

/** SQS answering every SendMessageBatch with success, each entry's message id `m-<entry id>`. */
export function acceptBatches(sqs: AwsClientStub<SQSClient>): void {
  sqs.on(SendMessageBatchCommand).callsFake((input: { Entries: { Id: string }[] }) => ({
    Successful: input.Entries.map((entry) => ({ Id: entry.Id, MessageId: `m-${entry.Id}`, MD5OfMessageBody: 'x' })),
    Failed: [],
  }));
}

/** SSM holding the test stage's webhook secret (GetParameters, as the secret source reads it). */
export function serveWebhookSecret(ssm: AwsClientStub<SSMClient>): void {
  ssm.on(GetParametersCommand).resolves({ Parameters: [{ Name: '/eks-pilot/test/github-webhook-secret', Value: WEBHOOK_SECRET, Type: 'SecureString' }] });
}
