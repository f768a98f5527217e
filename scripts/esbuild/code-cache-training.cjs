'use strict';
/**
 * The training run of each function's V8 code cache: the event its packaging invokes it with once,
 * against an account with nothing in it (scripts/esbuild/empty-account.cjs), over the specs the
 * function is packaged with. The cache then also holds the functions that first invocation
 * compiled (the SDK's request path, signing, observe and plan), not only those the top level
 * compiled.
 *
 * The events are the ones most cold starts handle and need no name from the specs: each
 * function's scheduled run (the drift check, the pools' reconcile, the alarms' check), and for
 * deploy-webhook GitHub's ping. Nothing the invocation does leaves the process: its AWS calls reach
 * only the empty account (which knows no cluster, so no Kubernetes call follows), the permission
 * model refuses writes, and any other connection ends the training (scripts/esbuild/code-cache-produce.cjs).
 */
const path = require('node:path');

/**
 * Per handler entry (relative to the service folder, no extension): the event file (relative to
 * the service folder) and any settings the function needs besides its specs.
 */
const TRAINING = {
  'functions/provision/handler': { event: 'events/provision/schedule.json' },
  'functions/eip-manager/handler': { event: 'events/eip-manager/schedule.json' },
  'functions/deploy/webhook/handler': {
    event: 'events/deploy/webhook-ping.json',
    env: {
      // The empty account answers this parameter with the secret the sample ping is signed with.
      EKS_PILOT_WEBHOOK_SECRET: 'ssm:/eks-pilot/training/github-webhook-secret',
      EKS_PILOT_DEPLOY_QUEUE_URL: 'https://sqs.us-east-1.amazonaws.com/123456789012/eks-pilot-training-deploy.fifo',
    },
  },
  'functions/deploy/worker/handler': { event: 'events/deploy/schedule.json' },
  'functions/scale-watch/handler': { event: 'events/scale-watch/schedule.json' },
};

/**
 * The training run of the function built from `entry`, with absolute paths, over `specPaths`;
 * undefined for an entry that has none (its cache is then made after the top level only).
 *
 * @param {string} entry the entry point esbuild builds, relative to `serviceDir` or absolute
 * @param {string} serviceDir
 * @param {readonly string[]} specPaths the spec files or folders the function is packaged with (absolute)
 * @returns {{ event: string, env: Record<string, string> } | undefined}
 * @example
 * trainingOf('functions/provision/handler.ts', '/work/eks-pilot', ['/work/eks-pilot/specs']);
 * // { event: '/work/eks-pilot/events/provision/schedule.json', env: { EKS_PILOT_SPECS: '/work/eks-pilot/specs' } }
 */
function trainingOf(entry, serviceDir, specPaths) {
  const key = path
    .relative(serviceDir, path.resolve(serviceDir, entry))
    .replace(/\.[cm]?[jt]s$/, '')
    .split(path.sep)
    .join('/');
  const training = TRAINING[key];
  if (training === undefined) return undefined;
  return { event: path.resolve(serviceDir, training.event), env: { ...(training.env ?? {}), EKS_PILOT_SPECS: specPaths.join(',') } };
}

module.exports = { trainingOf, TRAINING };
