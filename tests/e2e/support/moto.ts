/**
 * moto's server mode (`moto_server`), a wire-level AWS emulator nobody on this team wrote: started
 * on a free loopback port for one test file and stopped by its PID. Python with
 * `pip install "moto[server]"` provides it; the suite says so plainly when it is missing.
 */
import { spawn, spawnSync } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { startOneAtATime } from './one-at-a-time';

export interface Moto {
  /** `http://127.0.0.1:<port>`, for `AWS_ENDPOINT_URL`. */
  endpoint: string;
  pid: number;
  /**
   * The environment a child needs to reach it: endpoint and dummy credentials, and DynamoDB
   * through a front that passes one request at a time (moto's conditional writes are not atomic
   * under concurrency; see one-at-a-time.ts).
   */
  env: Record<string, string>;
  /** SDK v3 client settings for a test's own client in `region`. */
  clientConfig(region: string): { region: string; endpoint: string; credentials: { accessKeyId: string; secretAccessKey: string } };
  /** Forgets every resource (moto's `/moto-api/reset`). */
  reset(): Promise<void>;
  stop(): Promise<void>;
}

export const MOTO_COMMAND = process.env.EKS_PILOT_MOTO_SERVER ?? 'moto_server';

/** Throws a message a user can act on when moto is not installed. */
export function requireMoto(): void {
  const probe = spawnSync(MOTO_COMMAND, ['--help'], { encoding: 'utf8' });
  if (probe.error !== undefined || probe.status !== 0) {
    throw new Error(
      `the end-to-end suite needs moto's server (${MOTO_COMMAND} not runnable: ${probe.error?.message ?? probe.stderr}); install it with: pip install "moto[server]"`,
    );
  }
}

/** A port of 127.0.0.1 that was free a moment ago. */
export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

async function waitUntilServing(endpoint: string, child: ChildProcess, output: () => string): Promise<void> {
  const deadline = Date.now() + 30_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`moto_server exited with ${child.exitCode}: ${output()}`);
    try {
      const response = await fetch(`${endpoint}/moto-api/data.json`);
      if (response.ok) return;
    } catch {
      // not listening yet
    }
    await sleep(100);
  }
  throw new Error(`moto_server did not answer on ${endpoint} within 30 s: ${output()}`);
}

/**
 * Starts moto on a free port of 127.0.0.1 and waits until it answers.
 *
 * @example
 * const moto = await startMoto();
 * try { ... AWS_ENDPOINT_URL: moto.endpoint ... } finally { await moto.stop(); }
 */
export async function startMoto(): Promise<Moto> {
  requireMoto();
  // A port found free can be taken before moto binds it: try a few.
  for (let attempt = 1; ; attempt += 1) {
    const port = await freePort();
    const child = spawn(MOTO_COMMAND, ['-H', '127.0.0.1', '-p', String(port)], { stdio: ['ignore', 'pipe', 'pipe'] });
    let log = '';
    child.stdout.on('data', (chunk: Buffer) => (log = (log + chunk.toString()).slice(-4000)));
    child.stderr.on('data', (chunk: Buffer) => (log = (log + chunk.toString()).slice(-4000)));
    const endpoint = `http://127.0.0.1:${port}`;
    try {
      await waitUntilServing(endpoint, child, () => log);
    } catch (error) {
      child.kill('SIGKILL');
      if (attempt < 3) continue;
      throw error;
    }
    const pid = child.pid ?? 0;
    const dynamodb = await startOneAtATime(endpoint);
    return {
      endpoint,
      pid,
      env: {
        AWS_ENDPOINT_URL: endpoint,
        AWS_ENDPOINT_URL_DYNAMODB: dynamodb.endpoint,
        AWS_ACCESS_KEY_ID: 'testing',
        AWS_SECRET_ACCESS_KEY: 'testing',
        AWS_SESSION_TOKEN: 'testing',
      },
      clientConfig: (region) => ({ region, endpoint, credentials: { accessKeyId: 'testing', secretAccessKey: 'testing' } }),
      reset: async () => {
        const response = await fetch(`${endpoint}/moto-api/reset`, { method: 'POST' });
        if (!response.ok) throw new Error(`moto reset answered ${response.status}`);
      },
      stop: async () => {
        await dynamodb.close();
        if (child.exitCode !== null) return;
        const exited = new Promise((resolve) => child.once('exit', resolve));
        process.kill(pid, 'SIGTERM');
        await Promise.race([exited, sleep(5_000, undefined, { ref: false }).then(() => child.kill('SIGKILL'))]);
      },
    };
  }
}
