// Loads a packaged handler as the Lambda nodejs22.x runtime does: from its task root (the cwd),
// by `<file>.<export>`, with no node_modules but the zip's own, and calls it once with the event.
// Usage: node invoke-bundle.cjs <taskRoot> <file.export> <event.json> <result.json> <timeoutSeconds>
'use strict';
const { readFileSync, writeFileSync } = require('node:fs');
const path = require('node:path');

const [taskRoot, handlerSetting, eventFile, resultFile, timeoutSeconds] = process.argv.slice(2);
const dot = handlerSetting.lastIndexOf('.');
const moduleFile = path.join(taskRoot, `${handlerSetting.slice(0, dot)}.js`);
const exportName = handlerSetting.slice(dot + 1);
const deadline = Date.now() + Number(timeoutSeconds) * 1000;
const requestId = `e2e-${process.pid}-${Date.now()}`;
const context = {
  callbackWaitsForEmptyEventLoop: true,
  functionName: process.env.AWS_LAMBDA_FUNCTION_NAME,
  functionVersion: '$LATEST',
  invokedFunctionArn: `arn:aws:lambda:${process.env.AWS_REGION}:123456789012:function:${process.env.AWS_LAMBDA_FUNCTION_NAME}`,
  memoryLimitInMB: process.env.AWS_LAMBDA_FUNCTION_MEMORY_SIZE,
  awsRequestId: requestId,
  logGroupName: `/aws/lambda/${process.env.AWS_LAMBDA_FUNCTION_NAME}`,
  logStreamName: '2026/12/01/[$LATEST]e2e',
  getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()),
  done: () => undefined,
  fail: () => undefined,
  succeed: () => undefined,
};

async function run() {
  const handler = require(moduleFile)[exportName];
  if (typeof handler !== 'function') throw new Error(`${handlerSetting}: no exported function "${exportName}"`);
  const event = JSON.parse(readFileSync(eventFile, 'utf8'));
  return handler(event, context);
}

run().then(
  (result) => {
    writeFileSync(resultFile, JSON.stringify({ ok: true, result: result === undefined ? null : result }));
  },
  (error) => {
    // What Lambda reports for a function error: errorType and errorMessage.
    writeFileSync(resultFile, JSON.stringify({ ok: false, errorType: error && error.name, errorMessage: error && error.message }));
  },
);
