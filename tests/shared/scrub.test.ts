/**
 * Secrets scrubbed from free text, whatever key holds it: the scrubber itself, its linearity (by
 * construction, checked on the patterns' source rather than timed), and the whole way out of a
 * function (the log line and the answer) and of the CLI.
 */
import * as z from 'zod';
import { main } from '../../cli/main';
import { SCRUBBED, SECRET_PATTERNS, scrubSecrets, scrubStrings } from '../../shared/errors';
import { KubernetesAccessError } from '../../shared/ports/kubernetes-errors';
import { createLogger } from '../../shared/lambda/logger';
import { lambdaStack } from '../../shared/lambda/middleware';
import { lambdaContext } from '../../testing/lambda-context';
import { captureLogLines } from '../../testing/log-lines';

// An EKS token as aws-iam-authenticator makes it (k8s-aws-v1. + base64url of a presigned STS URL).
const EKS_TOKEN = `k8s-aws-v1.${Buffer.from('https://sts.us-east-1.amazonaws.com/?Action=GetCallerIdentity&Version=2011-06-15&X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Signature=0f1e2d3c').toString('base64url')}`;
const SIGNATURE = 'sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17';

describe('scrubSecrets', () => {
  it.each<[string, string, string]>([
    ['a bearer token', 'Authorization: Bearer eyJhbGciOiJSUzI1NiIsImtpZCI6IjEifQ.eyJzdWIiOiJ4In0.c2lnbmF0dXJl', `Authorization: Bearer ${SCRUBBED}`],
    ['an EKS token on its own', `token ${EKS_TOKEN} expired`, `token k8s-aws-v1.${SCRUBBED} expired`],
    ['a webhook signature', `X-Hub-Signature-256: ${SIGNATURE}`, `X-Hub-Signature-256: sha256=${SCRUBBED}`],
    ['a long-term access key id', 'the key AKIAIOSFODNN7EXAMPLE is inactive', `the key ${SCRUBBED} is inactive`],
    ['a temporary access key id', 'ASIAY34FZKBOKMUTVV7A expired', `${SCRUBBED} expired`],
    ['a secret key in a credentials file', 'aws_secret_access_key = wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY', `aws_secret_access_key = ${SCRUBBED}`],
    ['a secret key in JSON', '{"SecretAccessKey":"wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"}', `{"SecretAccessKey":"${SCRUBBED}"}`],
    ['a session token', 'aws_session_token=IQoJb3JpZ2luX2VjEJr//////////wEaCXVzLWVhc3QtMSJH', `aws_session_token=${SCRUBBED}`],
    [
      "a presigned URL's signature, credential and token",
      'GET https://sts.amazonaws.com/?X-Amz-Credential=AKIA%2F20261201&X-Amz-Security-Token=IQo%2Bb3&X-Amz-Signature=0f1e2d3c&X-Amz-Expires=60',
      `GET https://sts.amazonaws.com/?X-Amz-Credential=${SCRUBBED}&X-Amz-Security-Token=${SCRUBBED}&X-Amz-Signature=${SCRUBBED}&X-Amz-Expires=60`,
    ],
    ['a PEM private key', 'key:\n-----BEGIN RSA PRIVATE KEY-----\nMIIEpAIBAAKCAQEA\n-----END RSA PRIVATE KEY-----\nend', `key:\n${SCRUBBED}\nend`],
    ['a PEM private key cut short', 'key: -----BEGIN PRIVATE KEY-----\nMIIEvQIBADANBgkqhkiG9w0BAQEFAASC… (4000 characters)', `key: ${SCRUBBED}`],
  ])('scrubs %s', (_what, text, expected) => {
    // Act
    const scrubbed = scrubSecrets(text);

    // Assess
    expect(scrubbed).toBe(expected);
  });

  it.each<[string, string]>([
    ['an image digest', 'ghcr.io/crypto-oms/order-ingestion@sha256:9b2f1c0a7d3e4f5a6b7c8d9e0f1a2b3c4d5e6f7a8b9c0d1e2f3a4b5c6d7e8f90'],
    ['an ARN', 'arn:aws:iam::111122223333:role/financial-move-eks-node'],
    ['prose with the word bearer', 'the bearer of bad news'],
    ['a public certificate', '-----BEGIN CERTIFICATE-----\nMIIC\n-----END CERTIFICATE-----'],
    ['an access key id inside a longer word', 'XAKIAIOSFODNN7EXAMPLEX'],
  ])('leaves %s alone', (_what, text) => {
    // Act
    const scrubbed = scrubSecrets(text);

    // Assess
    expect(scrubbed).toBe(text);
  });

  it('is linear by construction: every quantifier is bounded, and no group repeats', () => {
    // Prepare: each pattern's source without its escapes and character classes
    const bare = SECRET_PATTERNS.map(({ name, pattern }) => ({ name, source: pattern.source.replace(/\\./g, 'e').replace(/\[[^\]]*\]/g, 'c') }));

    // Act
    const unbounded = bare.filter(({ source }) => /[+*]/.test(source)).map(({ name }) => name);
    const quantifiedGroups = bare.filter(({ source }) => /\)[{+*]/.test(source)).map(({ name }) => name);
    const wide = bare.filter(({ source }) => [...source.matchAll(/\{\d+,(\d+)\}/g)].some((match) => Number(match[1]) > 8192)).map(({ name }) => name);

    // Assess
    expect({ unbounded, quantifiedGroups, wide }).toEqual({ unbounded: [], quantifiedGroups: [], wide: [] });
  });

  it('scrubs near misses and unterminated blocks of a megabyte, keeping everything else', () => {
    // Prepare: prefixes that start a match and fail late, and PEM headers that never end
    const nearMisses = ['Bearer '.repeat(20_000), 'sha256= '.repeat(20_000), 'AKIA'.repeat(50_000), 'k8s-aws-v1 '.repeat(20_000)].join('\n');
    const unterminated = '-----BEGIN PRIVATE KEY-----'.repeat(10_000);

    // Act
    const scrubbedMisses = scrubSecrets(nearMisses);
    const scrubbedPem = scrubSecrets(`before ${unterminated}`);

    // Assess
    // Compared as booleans: a megabyte in a failure message helps no one.
    expect(scrubbedMisses === nearMisses).toBe(true);
    expect(scrubbedPem === `before ${SCRUBBED}`).toBe(true);
  });

  it('scrubs every string of a nested value, whatever its key', () => {
    // Act
    const scrubbed = scrubStrings({ cluster: 'kianax', detail: { message: `rejected ${EKS_TOKEN}` }, attempts: [SIGNATURE, 2] });

    // Assess
    expect(scrubbed).toEqual({ cluster: 'kianax', detail: { message: `rejected k8s-aws-v1.${SCRUBBED}` }, attempts: [`sha256=${SCRUBBED}`, 2] });
  });
});

describe('an API server error that echoes the bearer token', () => {
  const originalEnv = process.env;

  beforeEach(() => {
    process.env = { ...originalEnv, POWERTOOLS_LOG_LEVEL: 'INFO' };
  });

  afterEach(() => {
    process.env = originalEnv;
    jest.restoreAllMocks();
  });

  // What a misconfigured proxy or webhook authenticator in front of kube-apiserver has been seen to answer: its Status.message quoting the request's header.
  const echoing = (): KubernetesAccessError =>
    new KubernetesAccessError(
      `PATCH /apis/apps/v1/namespaces/shop/deployments/web: 401 Unauthorized: invalid credentials in "Authorization: Bearer ${EKS_TOKEN}"`,
      {
        context: { cluster: 'kianax', method: 'PATCH', path: '/apis/apps/v1/namespaces/shop/deployments/web', status: 401, reason: 'Unauthorized' },
      },
    );

  it('is logged and answered without the token', async () => {
    // Prepare
    const logs = captureLogLines();
    const handler = lambdaStack(
      () => {
        throw echoing();
      },
      { logger: createLogger({ serviceName: 'scrub-test' }), eventSchema: z.object({ mode: z.string() }), callerWaits: () => true },
    );

    // Act
    const answer = await handler({ mode: 'plan' }, lambdaContext);

    // Assess
    expect(JSON.stringify(answer)).not.toContain(EKS_TOKEN.slice('k8s-aws-v1.'.length, 40));
    expect((answer as { error: { name: string; message: string } }).error).toEqual(
      expect.objectContaining({ name: 'KubernetesAccessError', message: expect.stringContaining(`Bearer ${SCRUBBED}`) as unknown }),
    );
    expect(logs.raw()).not.toContain(EKS_TOKEN.slice('k8s-aws-v1.'.length, 40));
    const [line] = logs.lines() as { message: string; error: { message: string } }[];
    expect(logs.lines()).toHaveLength(1);
    expect(line?.message).toBe('invocation failed');
    expect(line?.error.message).toContain(`Bearer ${SCRUBBED}`);
  });

  it('is logged without the token when a caller logs it under any key', () => {
    // Prepare
    const logs = captureLogLines();
    const logger = createLogger({ serviceName: 'scrub-test' });

    // Act
    logger.error('apply failed', { detail: echoing().message, attempt: { what: echoing().message } });
    logger.error('apply failed', echoing());

    // Assess
    expect(logs.raw()).not.toContain(EKS_TOKEN.slice('k8s-aws-v1.'.length, 40));
    expect(logs.lines()).toHaveLength(2);
  });

  it('is written by the CLI without the token', async () => {
    // Prepare
    let stderr = '';
    const io = { stdout: { write: (): boolean => true }, stderr: { write: (text: string): boolean => ((stderr += text), true) } };

    // Act
    const code = await main(['status', 'examples/kianax/cluster.yaml'], io, {
      provision: () => Promise.reject(echoing()),
    });

    // Assess
    expect(code).toBe(1);
    expect(stderr).toContain(`Bearer ${SCRUBBED}`);
    expect(stderr).not.toContain(EKS_TOKEN.slice('k8s-aws-v1.'.length, 40));
  });
});
