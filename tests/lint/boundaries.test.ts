/**
 * The import boundaries of eslint.config.mjs, each shown to fail: a small in-memory file that
 * breaks one rule is linted at a path of the group the rule covers, and the rule's message comes
 * back; the same import where the layout allows it lints clean (testing/lint.ts).
 */
import type { LintMessage } from '../../testing/lint';
import { lintTexts } from '../../testing/lint';

const RULE = '@typescript-eslint/no-restricted-imports';
const linted = new Map<string, LintMessage[]>();

/** Lints every case at once, as if each text were the file at its path. */
async function lintAll(cases: readonly { file: string; code: string }[]): Promise<void> {
  const results = await lintTexts(cases);
  cases.forEach(({ file, code }, index) => linted.set(`${file}\n${code}`, results[index] ?? []));
}

/** The boundary messages eslint reported for `code` as the file at `file`. */
function boundaryMessages(file: string, code: string): string[] {
  const messages = linted.get(`${file}\n${code}`);
  if (messages === undefined) throw new Error(`${file} was not linted`);
  const fatal = messages.filter((message) => message.fatal);
  if (fatal.length > 0) throw new Error(`${file}: ${fatal.map((message) => message.message).join('; ')}`);
  return messages.filter((message) => message.ruleId === RULE).map((message) => message.message);
}

const OFFENDING: [string, string, string, string][] = [
  [
    'a function importing another function',
    'functions/provision/run.ts',
    "import { planPools } from '../eip-manager/plan';\nexport const plan = planPools;\n",
    'a function never imports another function',
  ],
  [
    'a function importing another function by its full path from a plan folder',
    'functions/scale-watch/plan/decision.ts',
    "import type { ProvisionAction } from '../../../functions/provision/actions';\nexport type A = ProvisionAction;\n",
    'a function never imports another function',
  ],
  [
    "deploy's webhook importing the worker",
    'functions/deploy/webhook/webhook.ts',
    "import { runWorker } from '../worker/run';\nexport const run = runWorker;\n",
    "deploy's webhook/ never imports worker/",
  ],
  [
    "deploy's worker importing the webhook",
    'functions/deploy/worker/run.ts',
    "import { handleWebhook } from '../webhook/webhook';\nexport const handle = handleWebhook;\n",
    "deploy's worker/ never imports webhook/",
  ],
  [
    "a function's run.ts importing an adapter",
    'functions/deploy/worker/run.ts',
    "import type { SqsFifoQueue } from '../../../shared/adapters/aws/sqs-fifo-queue';\nexport type Q = SqsFifoQueue;\n",
    'only handlers (functions/**/handler.ts), the CLI and adapters import shared/adapters/',
  ],
  [
    'a planner importing an SDK value',
    'functions/provision/plan/version.ts',
    "import { EKSClient } from '@aws-sdk/client-eks';\nexport const client = new EKSClient({});\n",
    'only adapters (shared/adapters/), handlers and the CLI import an AWS SDK or Smithy value',
  ],
  [
    'the model importing an adapter',
    'shared/model/cluster-spec/load.ts',
    "import { awsClient } from '../../adapters/aws/clients';\nexport const client = awsClient;\n",
    'only handlers (functions/**/handler.ts), the CLI and adapters import shared/adapters/',
  ],
  [
    'a port importing an SDK value',
    'shared/ports/eks.ts',
    "import { ResourceInUseException } from '@aws-sdk/client-eks';\nexport const busy = ResourceInUseException;\n",
    'only adapters (shared/adapters/), handlers and the CLI import an AWS SDK or Smithy value',
  ],
  [
    'a function importing a value from the zod spec schema',
    'functions/provision/run.ts',
    "import { MANAGED_TAG } from '../../shared/model/cluster-spec/schema';\nexport const tag = MANAGED_TAG;\n",
    'lean bundles: a value from a spec-schema module brings the whole zod spec schema into the function bundles',
  ],
  [
    'a shared module importing a value from a spec section schema',
    'shared/reconcile/fleet.ts',
    "import { workloadSchema } from '../model/cluster-spec/workloads';\nexport const schema = workloadSchema;\n",
    'lean bundles: a value from a spec-schema module brings the whole zod spec schema into the function bundles',
  ],
  [
    'the bench importing tests',
    'bench/scenarios/fleet-plan.ts',
    "import { NOW } from '../../tests/functions/provision/plan/support';\nexport const now = NOW;\n",
    'the bench and testing/ never import tests/',
  ],
  [
    'a test double importing tests',
    'testing/fake-eks.ts',
    "import { NOW } from '../tests/functions/provision/plan/support';\nexport const now = NOW;\n",
    'the bench and testing/ never import tests/',
  ],
];

const ALLOWED: [string, string, string][] = [
  [
    'a handler building an adapter',
    'functions/deploy/worker/handler.ts',
    "import { createSqsFifoQueue } from '../../../shared/adapters/aws/sqs-fifo-queue';\nexport const create = createSqsFifoQueue;\n",
  ],
  ['the CLI building an adapter', 'cli/deps.ts', "import { createEksPort } from '../shared/adapters/aws/eks';\nexport const create = createEksPort;\n"],
  [
    'an adapter importing the SDK',
    'shared/adapters/aws/eks.ts',
    "import { EKSClient } from '@aws-sdk/client-eks';\nexport const client = new EKSClient({});\n",
  ],
  [
    'a planner importing only an SDK shape',
    'functions/provision/plan/version.ts',
    "import type { Cluster } from '@aws-sdk/client-eks';\nexport type C = Cluster;\n",
  ],
  [
    "a function's run.ts importing a port",
    'functions/deploy/worker/run.ts',
    "import type { FifoQueuePort } from '../../../shared/ports/fifo-queue';\nexport type Q = FifoQueuePort;\n",
  ],
  [
    'deploy importing its own model',
    'functions/deploy/webhook/webhook.ts',
    "import { parseMessage } from '../model/messages';\nexport const parse = parseMessage;\n",
  ],
  [
    'a function importing a spec type',
    'functions/provision/run.ts',
    "import type { ClusterSpec } from '../../shared/model/cluster-spec/schema';\nexport type S = ClusterSpec;\n",
  ],
  [
    'a function importing a run-time value from runtime.ts',
    'functions/provision/run.ts',
    "import { MANAGED_TAG } from '../../shared/model/cluster-spec/runtime';\nexport const tag = MANAGED_TAG;\n",
  ],
  ['the bench importing testing/', 'bench/scenarios/fleet-plan.ts', "import { FakeEks } from '../../testing/fake-eks';\nexport const fake = FakeEks;\n"],
];

describe('the import boundaries', () => {
  beforeAll(async () => {
    await lintAll([...OFFENDING, ...ALLOWED].map(([, file, code]) => ({ file, code })));
  }, 120_000);

  it.each(OFFENDING)('fails %s', (_label, file, code, expected) => {
    // Act
    const messages = boundaryMessages(file, code);

    // Assess
    expect(messages).toHaveLength(1);
    expect(messages[0]).toContain(expected);
  });

  it.each(ALLOWED)('allows %s', (_label, file, code) => {
    // Act
    const messages = boundaryMessages(file, code);

    // Assess
    expect(messages).toEqual([]);
  });
});
