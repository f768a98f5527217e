'use strict';
/**
 * The training run of each function's V8 code cache: the sample event its packaging invokes it
 * with once, against an account with nothing in it (scripts/esbuild/empty-account.cjs), and the
 * specs that invocation reads. The cache then also holds the functions that first invocation
 * compiled (the SDK's request path, signing, the plan), not only those the top level compiled.
 * Each is a read-only path: a plan, a webhook ping, a plan of a deploy, an alarm's plan. The bench's
 * "require + first invoke" figure invokes the same events (bench/run.ts).
 */
const path = require('node:path');

/**
 * Per handler entry (relative to the service folder, no extension): the event file and the specs
 * (relative to the service folder), and any other settings the function reads.
 */
const TRAINING = {
  'functions/provision/handler': { event: 'events/provision/plan-kianax.json', specs: 'examples/kianax' },
  'functions/eip-manager/handler': { event: 'events/eip-manager/plan-financial-move.json', specs: 'examples/financial-move' },
  'functions/deploy/webhook/handler': {
    event: 'events/deploy/webhook-ping.json',
    specs: 'tests/fixtures/ghcr-oms',
    env: {
      EKS_PILOT_WEBHOOK_SECRET: 'ssm:/eks-pilot/dev/github-webhook-secret',
      EKS_PILOT_DEPLOY_QUEUE_URL: 'https://sqs.us-east-1.amazonaws.com/123456789012/eks-pilot-dev-deploy.fifo',
    },
  },
  'functions/deploy/worker/handler': { event: 'events/deploy/plan.json', specs: 'tests/fixtures/ghcr-oms' },
  'functions/scale-watch/handler': { event: 'events/scale-watch/plan-kianax-alarm.json', specs: 'examples/kianax' },
};

/**
 * The training run of the function built from `entry`, with absolute paths; undefined for an
 * entry that has none (its cache is then made after the top level only).
 *
 * @param {string} entry the entry point esbuild builds, relative to `serviceDir` or absolute
 * @param {string} serviceDir
 * @returns {{ event: string, env: Record<string, string> } | undefined}
 * @example
 * trainingOf('functions/provision/handler.ts', '/work/eks-pilot');
 * // { event: '/work/eks-pilot/events/provision/plan-kianax.json', env: { EKS_PILOT_SPECS: '/work/eks-pilot/examples/kianax' } }
 */
function trainingOf(entry, serviceDir) {
  const key = path
    .relative(serviceDir, path.resolve(serviceDir, entry))
    .replace(/\.[cm]?[jt]s$/, '')
    .split(path.sep)
    .join('/');
  const training = TRAINING[key];
  if (training === undefined) return undefined;
  return {
    event: path.resolve(serviceDir, training.event),
    env: { ...(training.env ?? {}), EKS_PILOT_SPECS: path.resolve(serviceDir, training.specs) },
  };
}

module.exports = { trainingOf, TRAINING };
