'use strict';
/**
 * Makes a bundle's V8 code cache, in a child Node that scripts/esbuild/code-cache.cjs starts with
 * Lambda's V8 flags and Node's permission model (reads only: no file write, no child process, no
 * worker). Usage: node code-cache-produce.cjs <bundle.js> train|run|compile [event.json]; the
 * cache goes to fd 3.
 *
 * `run` compiles the bundle as the packaged loader does, runs its top level, then asks V8 for the
 * cache: it then holds every function the top level compiled, not only the eager ones. A top level
 * that opens a connection or writes a file fails here (exit 3), and the parent falls back to
 * `compile` (the cache of the compile alone, nothing run).
 *
 * `train` does what `run` does, then invokes the handler once with the event file's event, its
 * AWS calls answered by an account with nothing in it (scripts/esbuild/empty-account.cjs, on a
 * loopback port of this process; the only connection allowed), and asks V8 for the cache after
 * the invocation has settled (answered, failed, or 20 s passed): it then also holds the functions
 * that first invocation compiled. An invocation that reaches anywhere else fails here (exit 3),
 * and the parent falls back to `run`.
 */
const { readFileSync, writeSync } = require('node:fs');
const { createRequire } = require('node:module');
const net = require('node:net');
const { setImmediate, setTimeout } = require('node:timers');
const { compileBundle, runBundle, sourceOf } = require('./code-cache-loader.cjs');

const [bundle, mode, eventFile] = process.argv.slice(2);

/** How long the training invocation may take before the cache is made from what it compiled so far. */
const TRAINING_TIMEOUT_MS = 20_000;

/** Exit code when the top level did something with an effect outside the process. */
const SIDE_EFFECT = 3;

/** Whether the training invocation has begun (what a refusal then names). */
let invoking = false;

function refuse(what) {
  return function refused() {
    const who = invoking ? 'its training invocation' : 'its top level';
    process.stderr.write(`${bundle}: ${who} ${what} while the code cache was made; evaluating it at packaging is not side-effect free\n`);
    process.exit(SIDE_EFFECT);
  };
}

function writeAll(fd, data) {
  let offset = 0;
  while (offset < data.length) {
    try {
      offset += writeSync(fd, data, offset, data.length - offset);
    } catch (error) {
      if (!error || error.code !== 'EAGAIN') throw error;
    }
  }
}

// The permission model refuses writes and processes (ERR_ACCESS_DENIED); sockets it does not cover.
// The one connection allowed: the training run's to its own empty account.
let allowedPort;
const connect = net.Socket.prototype.connect;
net.Socket.prototype.connect = function connectOnlyToTheEmptyAccount(...args) {
  // net.connect hands over its normalised [options, callback]; socket.connect(options | port, host).
  const first = Array.isArray(args[0]) ? args[0][0] : args[0];
  const options = typeof first === 'object' && first !== null ? first : { port: first, host: args[1] };
  if (
    allowedPort !== undefined &&
    (options.path === undefined || options.path === null) &&
    options.host === '127.0.0.1' &&
    Number(options.port) === allowedPort
  ) {
    return connect.apply(this, args);
  }
  return refuse(`opened a connection (${String(options.host ?? options.path)}:${String(options.port ?? '')})`)();
};
process.on('uncaughtException', (error) => {
  if (error && error.code === 'ERR_ACCESS_DENIED') refuse(`was refused ${String(error.permission)} (${String(error.resource ?? '')})`)();
  process.stderr.write(`${bundle}: ${error && error.stack ? error.stack : String(error)}\n`);
  process.exit(1);
});

/** A Lambda-like context for the training invocation. */
const CONTEXT = {
  awsRequestId: 'code-cache-training',
  functionName: 'code-cache-training',
  functionVersion: '$LATEST',
  invokedFunctionArn: 'arn:aws:lambda:us-east-1:123456789012:function:code-cache-training',
  memoryLimitInMB: '512',
  logGroupName: '/aws/lambda/code-cache-training',
  logStreamName: 'code-cache-training',
  callbackWaitsForEmptyEventLoop: true,
  getRemainingTimeInMillis: () => TRAINING_TIMEOUT_MS,
  done() {},
  fail() {},
  succeed() {},
};

function runTopLevel(script) {
  const target = { exports: {} };
  try {
    runBundle(script, bundle, target, createRequire(bundle));
  } catch (error) {
    if (error && error.code === 'ERR_ACCESS_DENIED') refuse(`was refused ${String(error.permission)} (${String(error.resource ?? '')})`)();
    throw error;
  }
  return target.exports;
}

function finish(script) {
  writeAll(3, script.createCachedData());
  // Whatever the top level scheduled (timers, promises) must not run into the tripwires after the cache is out.
  setImmediate(() => process.exit(0));
}

/** Starts the empty account on a loopback port and points the SDK's every endpoint at it, with credentials of no one's. */
function startEmptyAccount(requests, then) {
  const { createServer } = require('node:http');
  const { emptyAccountListener } = require('./empty-account.cjs');
  const server = createServer(emptyAccountListener(requests));
  server.listen(0, '127.0.0.1', () => {
    allowedPort = server.address().port;
    Object.assign(process.env, {
      AWS_ENDPOINT_URL: `http://127.0.0.1:${String(allowedPort)}`,
      AWS_ACCESS_KEY_ID: 'AKIDCODECACHETRAINING',
      AWS_SECRET_ACCESS_KEY: 'code-cache-training',
      AWS_SESSION_TOKEN: 'code-cache-training',
      AWS_LAMBDA_FUNCTION_NAME: 'code-cache-training',
    });
    then();
  });
}

if (mode === 'train') {
  const event = JSON.parse(readFileSync(eventFile, 'utf8'));
  const requests = [];
  startEmptyAccount(requests, () => {
    const script = compileBundle(bundle, sourceOf(readFileSync(bundle)));
    const exported = runTopLevel(script);
    invoking = true;
    const settled = Promise.resolve()
      .then(() => exported.handler(event, CONTEXT))
      .then(
        () => 'answered',
        () => 'failed',
      );
    const timeout = new Promise((resolve) => setTimeout(() => resolve('timed out'), TRAINING_TIMEOUT_MS).unref());
    Promise.race([settled, timeout]).then((outcome) => {
      // What the training did, for the parent (code-cache.cjs reads the last stderr line).
      process.stderr.write(`\n${JSON.stringify({ training: { outcome, requests } })}\n`);
      finish(script);
    });
  });
} else {
  const script = compileBundle(bundle, sourceOf(readFileSync(bundle)));
  if (mode === 'run') runTopLevel(script);
  finish(script);
}
