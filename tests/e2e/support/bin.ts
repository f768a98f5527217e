/** Runs the real `bin/eks-pilot.cjs` as a child process, as a user's shell does. */
import { execFile } from 'node:child_process';
import path from 'node:path';
import { ROOT } from './specs';

export const BIN = path.join(ROOT, 'bin', 'eks-pilot.cjs');

export interface BinResult {
  code: number;
  stdout: string;
  stderr: string;
}

/**
 * @example
 * const { code, stdout } = await runBin(['plan', '--offline', 'examples/starter/cluster.yaml']);
 */
export function runBin(args: readonly string[], options: { env?: Record<string, string>; node?: string } = {}): Promise<BinResult> {
  return new Promise((resolve) => {
    execFile(
      options.node ?? process.execPath,
      [BIN, ...args],
      { cwd: ROOT, env: { ...process.env, ...options.env }, timeout: 120_000 },
      (error, stdout, stderr) => {
        const code = error === null ? 0 : typeof error.code === 'number' ? error.code : 1;
        resolve({ code, stdout, stderr });
      },
    );
  });
}
