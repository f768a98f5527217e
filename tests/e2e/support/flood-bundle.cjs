// One warm container of a packaged handler taking a flood: loads the handler once from its task
// root, as Lambda does, then calls it `count` times in a row with the same event and records each
// answer's status and how long it took.
// Usage: node flood-bundle.cjs <taskRoot> <file.export> <event.json> <count> <result.json>
'use strict';
const { readFileSync, writeFileSync } = require('node:fs');
const path = require('node:path');
const { performance } = require('node:perf_hooks');

const [taskRoot, handlerSetting, eventFile, count, resultFile] = process.argv.slice(2);
const dot = handlerSetting.lastIndexOf('.');
const handler = require(path.join(taskRoot, `${handlerSetting.slice(0, dot)}.js`))[handlerSetting.slice(dot + 1)];
const event = JSON.parse(readFileSync(eventFile, 'utf8'));

async function run() {
  const statuses = {};
  const durations = [];
  const started = performance.now();
  for (let index = 0; index < Number(count); index += 1) {
    const context = { functionName: 'flood', awsRequestId: `flood-${index}`, getRemainingTimeInMillis: () => 8000, callbackWaitsForEmptyEventLoop: true };
    const before = performance.now();
    const answer = await handler(event, context);
    durations.push(performance.now() - before);
    const status = String(answer && answer.statusCode);
    statuses[status] = (statuses[status] || 0) + 1;
  }
  const totalMs = performance.now() - started;
  durations.sort((a, b) => a - b);
  const at = (q) => durations[Math.min(durations.length - 1, Math.floor(q * durations.length))];
  return { statuses, totalMs, p50Ms: at(0.5), p99Ms: at(0.99), maxMs: durations[durations.length - 1] };
}

run().then(
  (result) => writeFileSync(resultFile, JSON.stringify({ ok: true, ...result })),
  (error) => writeFileSync(resultFile, JSON.stringify({ ok: false, errorType: error && error.name, errorMessage: error && error.message })),
);
