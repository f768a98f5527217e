/**
 * The IAM actions a function's own code can make AWS authorise, read from the sources its bundle
 * holds (esbuild's metafile for the handler, as serverless-esbuild bundles it): each SDK command,
 * paginator and waiter the project's files import from an `@aws-sdk/client-*` package, and
 * `sts:AssumeRole` where `fromTemporaryCredentials` is imported. {@link IMPLIED_ACTIONS} adds what
 * AWS authorises besides the call's own action (a dependent action, or a call Lambda makes for the
 * function), each with the document that says so. A command destructured from `await import(...)`
 * (a client loaded on first use) counts as imported.
 *
 * @example
 * const actions = await sdkActionsOf('functions/deploy/webhook/handler.ts'); // Set { 'sqs:SendMessageBatch', 'ssm:GetParameters', ... }
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { build } from 'esbuild';

const ROOT = path.resolve(__dirname, '..');

/** The IAM service prefix of each SDK client package the project uses (its model's `signingName`). */
const SERVICE_PREFIX: Record<string, string> = {
  'client-auto-scaling': 'autoscaling',
  'client-cloudwatch': 'cloudwatch',
  'client-dynamodb': 'dynamodb',
  'client-ec2': 'ec2',
  'client-eks': 'eks',
  'client-lambda': 'lambda',
  'client-secrets-manager': 'secretsmanager',
  'client-sns': 'sns',
  'client-sqs': 'sqs',
  'client-ssm': 'ssm',
  'client-sts': 'sts',
};

/** The operation a waiter polls (the SDK's `dist-types/waiters/waitFor*.d.ts`). */
const WAITER_OPERATION: Record<string, string> = { waitUntilTableExists: 'DescribeTable' };

/**
 * Actions a role needs that no command names: `action` is authorised when the function makes one
 * of `because` (or, for `lambda:event-source`, when Lambda polls a queue for it).
 */
export const IMPLIED_ACTIONS: readonly { action: string; because: readonly string[]; doc: string }[] = [
  {
    action: 'sqs:SendMessage',
    because: ['sqs:SendMessageBatch'],
    doc: 'https://docs.aws.amazon.com/AWSSimpleQueueService/latest/SQSDeveloperGuide/sqs-api-permissions-reference.html (SendMessageBatch is authorised as sqs:SendMessage)',
  },
  ...['sqs:ReceiveMessage', 'sqs:DeleteMessage', 'sqs:GetQueueAttributes'].map((action) => ({
    action,
    because: ['lambda:event-source/sqs'],
    doc: 'https://docs.aws.amazon.com/lambda/latest/dg/services-sqs-configure.html (execution role permissions for an SQS event source mapping)',
  })),
  {
    action: 'kms:Decrypt',
    because: ['ssm:GetParameters', 'secretsmanager:GetSecretValue'],
    doc: 'https://docs.aws.amazon.com/kms/latest/developerguide/services-parameter-store.html, https://docs.aws.amazon.com/secretsmanager/latest/userguide/security-encryption.html (a customer managed key)',
  },
  ...['kms:CreateGrant', 'kms:DescribeKey'].map((action) => ({
    action,
    because: ['eks:CreateCluster', 'eks:AssociateEncryptionConfig'],
    doc: 'https://docs.aws.amazon.com/eks/latest/userguide/envelope-encryption.html (the KMS permissions of the principal that creates the cluster)',
  })),
  {
    action: 'iam:PassRole',
    because: ['eks:CreateCluster', 'eks:CreateNodegroup', 'eks:CreateAddon'],
    doc: 'https://docs.aws.amazon.com/service-authorization/latest/reference/list_amazonelastickubernetesservice.html (dependent actions)',
  },
  {
    action: 'iam:CreateServiceLinkedRole',
    because: ['eks:CreateCluster', 'eks:CreateNodegroup'],
    doc: 'https://docs.aws.amazon.com/eks/latest/userguide/using-service-linked-roles.html',
  },
  {
    action: 'lambda:InvokeFunction',
    because: ['lambda:Invoke'],
    doc: 'https://docs.aws.amazon.com/service-authorization/latest/reference/list_awslambda.html (the Invoke API is authorised as lambda:InvokeFunction)',
  },
  {
    action: 'dynamodb:TagResource',
    because: ['dynamodb:CreateTable'],
    doc: 'https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/Tagging.Operations.html (CreateTable with Tags)',
  },
];

/** Project files (not node_modules) the handler's bundle holds, relative to the repository. */
async function bundledSources(entry: string): Promise<string[]> {
  const result = await build({
    entryPoints: [path.join(ROOT, entry)],
    absWorkingDir: ROOT,
    bundle: true,
    write: false,
    metafile: true,
    platform: 'node',
    format: 'cjs',
    target: 'node22',
    mainFields: ['module', 'main'],
    logLevel: 'silent',
  });
  return Object.keys(result.metafile.inputs).filter((input) => !input.includes('node_modules/') && /\.ts$/.test(input));
}

// A static import, or a client imported on first use: `const { XCommand } = await import('@aws-sdk/client-x')`.
const IMPORT = /(?:import\s*\{([^}]*)\}\s*from\s*|const\s*\{([^}]*)\}\s*=\s*await\s+import\(\s*)'@aws-sdk\/(client-[a-z0-9-]+|credential-providers)'/g;

/**
 * Every action the handler's code makes AWS authorise (before {@link IMPLIED_ACTIONS}).
 *
 * @example
 * (await sdkActionsOf('functions/provision/handler.ts')).has('eks:CreateCluster'); // true
 */
export async function sdkActionsOf(entry: string): Promise<Set<string>> {
  const actions = new Set<string>();
  for (const file of await bundledSources(entry)) {
    const text = readFileSync(path.join(ROOT, file), 'utf8');
    for (const match of text.matchAll(IMPORT)) {
      const names = (match[1] ?? match[2] ?? '')
        .split(',')
        .map(
          (name) =>
            name
              .trim()
              .replace(/^type\s+/, '')
              .split(/\s+as\s+/)[0] ?? '',
        )
        .filter(Boolean);
      const pkg = match[3] ?? '';
      if (pkg === 'credential-providers') {
        if (names.includes('fromTemporaryCredentials')) actions.add('sts:AssumeRole');
        continue;
      }
      const prefix = SERVICE_PREFIX[pkg];
      if (prefix === undefined) throw new Error(`sdk-actions: ${file} imports @aws-sdk/${pkg}: add its IAM prefix`);
      for (const name of names) {
        const command = /^([A-Z]\w+)Command$/.exec(name)?.[1] ?? /^paginate([A-Z]\w+)$/.exec(name)?.[1] ?? WAITER_OPERATION[name];
        if (command !== undefined) actions.add(`${prefix}:${command}`);
      }
    }
  }
  return actions;
}

/**
 * The actions the function may need: its code's, and those {@link IMPLIED_ACTIONS} adds for them
 * (`lambda:event-source/sqs` when Lambda polls a queue for it).
 *
 * @example
 * neededActions(await sdkActionsOf('functions/deploy/worker/handler.ts'), { sqsEventSource: true }).has('sqs:ReceiveMessage'); // true
 */
export function neededActions(code: ReadonlySet<string>, options: { sqsEventSource: boolean }): Set<string> {
  const made = new Set(code);
  if (options.sqsEventSource) made.add('lambda:event-source/sqs');
  const needed = new Set(code);
  for (const implied of IMPLIED_ACTIONS) if (implied.because.some((action) => made.has(action))) needed.add(implied.action);
  return needed;
}
