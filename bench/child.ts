/**
 * Child processes for the bench. Each measurement that runs a handler runs in a fresh Node process,
 * as a fresh Lambda container would: module caches, SDK clients, connections and the heap start
 * empty, and no figure carries the garbage of the one before it.
 *
 * - A scenario is a script that measures one thing and answers one JSON result ({@link runScenario}).
 * - A service is a long-lived child that answers requests, e.g. a warm deploy-worker container
 *   taking SQS batches ({@link startService}).
 *
 * The child's stdout goes to /dev/null: the handlers' JSON log lines are written for real, as Lambda
 * writes them, but not shown. Its stderr is kept (the last 8 KB) to explain a failure.
 */
import { fork } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import path from 'node:path';

const INPUT_VARIABLE = 'BENCH_CHILD_INPUT';
const STDERR_TAIL = 8192;

type Reply<T> = { ok: true; value: T } | { ok: false; error: string };

function spawnChild(file: string, input: unknown, env: NodeJS.ProcessEnv): { child: ChildProcess; stderr: () => string } {
  const childEnv: NodeJS.ProcessEnv = { ...process.env, ...env, [INPUT_VARIABLE]: JSON.stringify(input ?? null) };
  delete childEnv.NODE_OPTIONS;
  const child = fork(path.resolve(file), [], { execArgv: ['--import', 'tsx'], stdio: ['ignore', 'ignore', 'pipe', 'ipc'], env: childEnv });
  let tail = '';
  child.stderr?.on('data', (chunk: Buffer) => {
    tail = (tail + chunk.toString('utf8')).slice(-STDERR_TAIL);
  });
  return { child, stderr: () => tail };
}

/**
 * Runs a scenario script in a fresh process and resolves its result.
 *
 * @example
 * const figures = await runScenario<WebhookFigures>('bench/scenarios/webhook-ack.ts', { events: 250 });
 */
export function runScenario<T>(file: string, input?: unknown, env: NodeJS.ProcessEnv = {}): Promise<T> {
  const { child, stderr } = spawnChild(file, input, env);
  return new Promise<T>((resolve, reject) => {
    let reply: Reply<T> | undefined;
    child.on('message', (message: Reply<T>) => {
      reply = message;
    });
    child.on('error', reject);
    child.on('exit', (code) => {
      if (reply?.ok === true) resolve(reply.value);
      else reject(new Error(`${file} failed (exit ${String(code)}): ${reply?.ok === false ? reply.error : 'no result'}\n${stderr()}`));
    });
  });
}

/** A long-lived child answering one request at a time. */
export interface Service<Req, Res> {
  request(message: Req): Promise<Res>;
  close(): void;
}

/**
 * Starts a service script and resolves once it has initialised (its `init` ran).
 *
 * @example
 * const worker = await startService<Batch, BatchResult>('bench/scenarios/worker-container.ts', { specs });
 * await worker.request({ event: sqsBatch });
 */
export function startService<Req, Res>(file: string, input?: unknown, env: NodeJS.ProcessEnv = {}): Promise<Service<Req, Res>> {
  const { child, stderr } = spawnChild(file, input, env);
  let pending: { resolve: (value: Res) => void; reject: (error: Error) => void } | undefined;
  let ready: { resolve: () => void; reject: (error: Error) => void } | undefined;
  const started = new Promise<void>((resolve, reject) => {
    ready = { resolve, reject };
  });
  child.on('message', (message: Reply<Res | 'ready'>) => {
    if (ready !== undefined) {
      const waiting = ready;
      ready = undefined;
      if (message.ok) waiting.resolve();
      else waiting.reject(new Error(`${file} did not start: ${message.error}\n${stderr()}`));
      return;
    }
    const waiting = pending;
    pending = undefined;
    if (waiting === undefined) return;
    // Safe: after the ready message, every reply answers a request.
    if (message.ok) waiting.resolve(message.value as Res);
    else waiting.reject(new Error(`${file}: ${message.error}`));
  });
  child.on('exit', (code) => {
    const error = new Error(`${file} exited (${String(code)})\n${stderr()}`);
    ready?.reject(error);
    pending?.reject(error);
  });
  return started.then(() => ({
    request: (message: Req) =>
      new Promise<Res>((resolve, reject) => {
        if (pending !== undefined) {
          reject(new Error(`${file} is busy: one request at a time`));
          return;
        }
        pending = { resolve, reject };
        child.send(message as object);
      }),
    close: () => {
      child.kill();
    },
  }));
}

/** The input the parent gave this child: JSON, as the scenario's caller wrote it. */
export function childInput(): unknown {
  return JSON.parse(process.env[INPUT_VARIABLE] ?? 'null') as unknown;
}

function send(reply: Reply<unknown>, then?: () => void): void {
  if (process.send === undefined) throw new Error('run this script through runScenario or startService, not directly');
  process.send(reply, () => then?.());
}

function describe(error: unknown): string {
  return error instanceof Error ? (error.stack ?? `${error.name}: ${error.message}`) : String(error);
}

/**
 * The body of a scenario script: runs `main` on the parent's input and sends its result to the
 * parent, then exits (so a kept-alive socket or a listening fake server cannot keep the process up).
 *
 * @example
 * scenarioMain((input) => measure(input as WebhookAckInput));
 */
export function scenarioMain(main: (input: unknown) => Promise<unknown>): void {
  main(childInput()).then(
    (value) => {
      send({ ok: true, value }, () => process.exit(0));
    },
    (error: unknown) => {
      send({ ok: false, error: describe(error) }, () => process.exit(1));
    },
  );
}

/**
 * The body of a service script: `init` once with the parent's input, then `handle` for each
 * request, in order.
 *
 * @example
 * serviceMain(async (input) => loadHandler(input as Settings), async (handler, request) => run(handler, request as Batch));
 */
export function serviceMain<S>(init: (input: unknown) => Promise<S>, handle: (state: S, request: unknown) => Promise<unknown>): void {
  // A service whose parent is gone has no one to answer: it must not linger (its fakes keep it alive).
  process.on('disconnect', () => process.exit(0));
  init(childInput()).then(
    (state) => {
      process.on('message', (request: unknown) => {
        handle(state, request).then(
          (value) => {
            send({ ok: true, value });
          },
          (error: unknown) => {
            send({ ok: false, error: describe(error) });
          },
        );
      });
      send({ ok: true, value: 'ready' });
    },
    (error: unknown) => {
      send({ ok: false, error: describe(error) }, () => process.exit(1));
    },
  );
}
