/**
 * Composition root of the eip-manager function: builds the clients once per container and hands a
 * validated event to `handleEipEvent`.
 */
import { Metrics } from '@aws-lambda-powertools/metrics';
import { createDynamoDbLeases, DEFAULT_LEASE_TABLE } from '../../shared/adapters/aws/dynamodb-lease';
import { createEc2Port } from '../../shared/adapters/aws/ec2';
import { createLogger } from '../../shared/lambda/logger';
import { carries } from '../../shared/lambda/events';
import { lambdaStack } from '../../shared/lambda/middleware';
import { specPathsFrom } from '../../shared/model/cluster-spec/paths';
import { correlationKeysOf, eipEventSchema } from './event';
import { handleEipEvent } from './invoke';
import type { AllowListStore } from '../../shared/ports/allow-list';
import type { ClusterSpec } from '../../shared/model/cluster-spec/schema';
import type { EipDeps } from './run';
import { createSsmAllowList } from '../../shared/adapters/aws/ssm-allow-list';

const logger = createLogger({ serviceName: 'eip-manager' });
const metrics = new Metrics({ namespace: process.env.EKS_PILOT_METRICS_NAMESPACE ?? 'EksPilot', serviceName: 'eip-manager' });

// The pools' parameters live in the function's own Region; the client is looked up per call, so the
// shared factory's cache (and a test's reset of it) decides when it is built.
const ssm = (): AllowListStore => createSsmAllowList({ region: process.env.AWS_REGION ?? 'us-east-1' });
const allowList: AllowListStore = { read: (name) => ssm().read(name), write: (name, value) => ssm().write(name, value) };

const where = (spec: ClusterSpec): { region: string; assumeRoleArn?: string } => ({ region: spec.region, ...(spec.assumeRoleArn ? { assumeRoleArn: spec.assumeRoleArn } : {}) });

const deps: EipDeps = {
  ec2For: (spec) => createEc2Port(where(spec)),
  // Next to the addresses (their Region and account), under the name every stage, stack and the CLI share.
  leaseFor: (spec) => createDynamoDbLeases({ ...where(spec), tableName: process.env.EKS_PILOT_LEASE_TABLE ?? DEFAULT_LEASE_TABLE }),
  holder: `lambda ${process.env.AWS_LAMBDA_FUNCTION_NAME ?? 'eip-manager'}`,
  // The stack sets its own stage; the allow-list names carry it.
  ...(process.env.EKS_PILOT_STAGE ? { stage: process.env.EKS_PILOT_STAGE } : {}),
  allowList,
  now: () => new Date(),
  logger,
};

export const handler = lambdaStack(
  (event) =>
    handleEipEvent(event, {
      ...deps,
      specPaths: specPathsFrom(process.env.EKS_PILOT_SPECS),
      metrics,
    }),
  {
    logger,
    eventSchema: eipEventSchema,
    // A manual invoke's caller reads the answer: it gets every error as an object, never a stack.
    callerWaits: (event) => carries(event, 'mode'),
    correlationKeys: correlationKeysOf,
  },
);
