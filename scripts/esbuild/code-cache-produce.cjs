'use strict';
/**
 * Makes a bundle's V8 code cache, in a child Node that scripts/esbuild/code-cache.cjs starts with
 * Lambda's V8 flags and Node's permission model (reads only: no file write, no child process, no
 * worker). Usage: node code-cache-produce.cjs <bundle.js> run|compile; the cache goes to fd 3.
 *
 * `run` compiles the bundle as the packaged loader does, runs its top level, then asks V8 for the
 * cache: it then holds every function the top level compiled, not only the eager ones. A top level
 * that opens a connection or writes a file fails here (exit 3), and the parent falls back to
 * `compile` (the cache of the compile alone, nothing run).
 */
const { readFileSync, writeSync } = require('node:fs');
const { createRequire } = require('node:module');
const net = require('node:net');
const { setImmediate } = require('node:timers');
const { compileBundle, runBundle } = require('./code-cache-loader.cjs');

const [bundle, mode] = process.argv.slice(2);

/** Exit code when the top level did something with an effect outside the process. */
const SIDE_EFFECT = 3;

function refuse(what) {
  return function refused() {
    process.stderr.write(`${bundle}: its top level ${what} while the code cache was made; evaluating it at packaging is not side-effect free\n`);
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
net.Socket.prototype.connect = refuse('opened a connection');
process.on('uncaughtException', (error) => {
  if (error && error.code === 'ERR_ACCESS_DENIED') refuse(`was refused ${String(error.permission)} (${String(error.resource ?? '')})`)();
  process.stderr.write(`${bundle}: ${error && error.stack ? error.stack : String(error)}\n`);
  process.exit(1);
});

const script = compileBundle(bundle, readFileSync(bundle, 'utf8'));
if (mode === 'run') {
  try {
    runBundle(script, bundle, { exports: {} }, createRequire(bundle));
  } catch (error) {
    if (error && error.code === 'ERR_ACCESS_DENIED') refuse(`was refused ${String(error.permission)} (${String(error.resource ?? '')})`)();
    throw error;
  }
}
writeAll(3, script.createCachedData());
// Whatever the top level scheduled (timers, promises) must not run into the tripwires after the cache is out.
setImmediate(() => process.exit(0));
