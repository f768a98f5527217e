/**
 * Composition root of the provision function: builds the clients once per container and hands a
 * validated event to `handleProvisionEvent`.
 */
import { Metrics } from '@aws-lambda-powertools/metrics';
import { createEksPort } from '../../shared/aws/eks';
import { createLogger } from '../../shared/lambda/logger';
import { lambdaStack } from '../../shared/lambda/middleware';
import { isManualInvoke, provisionEventSchema } from './event';
import { handleProvisionEvent } from './invoke';
import type { ProvisionDeps } from './run';

const logger = createLogger({ serviceName: 'provision' });
const metrics = new Metrics({ namespace: process.env.EKS_PILOT_METRICS_NAMESPACE ?? 'EksPilot', serviceName: 'provision' });

const deps: ProvisionDeps = {
  eksFor: (spec) => createEksPort({ region: spec.region, ...(spec.assumeRoleArn ? { assumeRoleArn: spec.assumeRoleArn } : {}) }),
  now: () => new Date(),
  logger,
};

export const handler = lambdaStack(
  (event) =>
    handleProvisionEvent(event, {
      ...deps,
      specPaths: (process.env.EKS_PILOT_SPECS ?? 'specs').split(',').map((item) => item.trim()).filter(Boolean),
      metrics,
    }),
  { logger, eventSchema: provisionEventSchema, correlationKeys: (event) => (isManualInvoke(event) ? { trigger: 'manual', mode: event.mode } : { trigger: 'schedule' }) },
);
