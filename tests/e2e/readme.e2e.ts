/**
 * The docs' shell blocks, run as written: every ```sh block of README.md, docs/*.md and
 * CONTRIBUTING.md, in that order (docs/ alphabetically; tests/docs/markdown.ts reads them). Every
 * block carries a marker on the line before it, so a new command cannot go unchecked by accident:
 *
 * - `<!-- readme-check: run -->`: each command runs, in that order, in one bash session from the
 *   repository root, with the machine's own Node and npx (node_modules/.bin off PATH) and `set -e`.
 *   A command with `--detailed-exitcode` may also exit 2, as documented.
 * - `<!-- readme-check: background "<ready text>" -->`: a server the following blocks talk to; it
 *   runs in the background until its output shows the ready text, and is stopped at the end.
 * - `<!-- readme-check: skip <reason> -->`: needs what CI cannot have (an AWS account, a deploy).
 *
 * The session starts with what the docs presume a user has: an account (moto on a free port,
 * in `AWS_ENDPOINT_URL`, where the kianax cluster and its general-ng node group exist) and a
 * cluster (a Kubernetes API stand-in holding the kianax HPAs, the current context of `KUBECONFIG`
 * and of `~/.kube/config` in a scratch HOME). The one rewrite: the docs' moto port 5000 becomes
 * a free port, so a busy port 5000 cannot fail CI.
 */
import { spawn } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { EKSClient } from '@aws-sdk/client-eks';
import { createKianax } from './support/kianax';
import { hpa } from '../../testing/scale-watch-fakes';
import type { KubernetesStandIn } from './support/kubernetes';
import { startKubernetes } from './support/kubernetes';
import type { Moto } from './support/moto';
import { freePort, startMoto } from './support/moto';
import type { Block } from '../docs/markdown';
import { docPages, shellBlocks } from '../docs/markdown';
import { ROOT } from './support/specs';
import { createExampleSecrets } from './support/example-secrets';

/** A page's block, with the page it is in. */
interface PageBlock extends Block {
  file: string;
}

/** A bash single-quoted word: nothing inside is expanded. */
function quoted(text: string): string {
  return `'${text.replace(/'/g, "'\\''")}'`;
}

/** The bash session: each command as written, the backgrounds waited for. */
function sessionScript(blocks: readonly PageBlock[], port: number, logs: string): string {
  const script = ['set -euo pipefail', 'cd "$EKS_PILOT_README_ROOT"'];
  let background = 0;
  for (const block of blocks) {
    const mode = block.mode;
    if (mode === undefined || mode.kind === 'skip') continue;
    for (const written of block.commands) {
      // A trailing comment would swallow what the session appends to the command.
      const command = written.replace(/\s+#\s[^'"]*$/, '').replace(/\b5000\b/g, String(port));
      script.push(`echo ${quoted(`$ ${written}    (${block.file}:${String(block.line)})`)}`);
      if (mode.kind === 'background') {
        background += 1;
        const log = path.join(logs, `background-${background}.log`);
        script.push(`( ${command} ) > ${log} 2>&1 &`);
        script.push(`for _ in $(seq 1 240); do grep -q ${quoted(mode.ready)} ${log} && break; sleep 0.5; done`);
        script.push(
          `grep -q ${quoted(mode.ready)} ${log} || { cat ${log}; echo ${quoted(`${block.file}:${String(block.line)}: never printed ${mode.ready}`)}; exit 1; }`,
        );
      } else if (command.includes('--detailed-exitcode')) {
        script.push(`${command} || [ $? -eq 2 ]`);
      } else {
        script.push(command);
      }
    }
  }
  return `${script.join('\n')}\n`;
}

const blocks: PageBlock[] = docPages(ROOT).flatMap((page) => shellBlocks(page.text).map((block) => ({ ...block, file: page.file })));

describe('the docs', () => {
  it('mark every shell block as run, background or skip (with a reason)', () => {
    const unmarked = blocks.filter((block) => block.mode === undefined).map((block) => `${block.file}:${String(block.line)}`);

    expect(unmarked).toEqual([]);
    expect(blocks.filter((block) => block.mode?.kind === 'run').length).toBeGreaterThan(3);
  });

  describe('run as written', () => {
    let moto: Moto;
    let k8s: KubernetesStandIn;
    let home: string;
    let session: number | undefined;

    beforeAll(async () => {
      moto = await startMoto();
      await createExampleSecrets(moto);
      const eks = new EKSClient(moto.clientConfig('us-east-1'));
      await createKianax(eks);
      eks.destroy();
      const hpas = '/apis/autoscaling/v2/namespaces/kianax/horizontalpodautoscalers';
      k8s = await startKubernetes({ [`${hpas}/kianax-api`]: hpa('kianax', 'kianax-api'), [`${hpas}/kianax-web`]: hpa('kianax', 'kianax-web') });
      home = mkdtempSync(path.join(tmpdir(), 'eks-pilot-readme-home-'));
      mkdirSync(path.join(home, '.kube'));
      copyFileSync(k8s.kubeconfig, path.join(home, '.kube', 'config'));
    });
    afterAll(async () => {
      // Whatever the session started (moto, serverless offline) goes with its process group.
      if (session !== undefined) {
        try {
          process.kill(-session, 'SIGTERM');
        } catch {
          // the group is gone already
        }
      }
      await k8s.close();
      await moto.stop();
    });

    it('runs every command of the blocks marked run, in order, and each succeeds', async () => {
      // Prepare
      const logs = mkdtempSync(path.join(tmpdir(), 'eks-pilot-readme-logs-'));
      const script = path.join(logs, 'session.sh');
      writeFileSync(script, sessionScript(blocks, await freePort(), logs));
      const userPath = (process.env.PATH ?? '')
        .split(path.delimiter)
        .filter((dir) => !dir.includes('node_modules'))
        .join(path.delimiter);
      const env = {
        PATH: userPath,
        HOME: home,
        LANG: 'C.UTF-8',
        EKS_PILOT_README_ROOT: ROOT,
        KUBECONFIG: path.join(home, '.kube', 'config'),
        AWS_REGION: 'us-east-1',
        ...moto.env,
      };

      // Act: its own process group, so every background it starts is stopped with it
      const child = spawn('bash', [script], { cwd: ROOT, env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
      session = child.pid;
      let output = '';
      child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
      child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
      const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));

      writeFileSync(path.join(logs, 'session.out'), output);

      // Assess: a failing command ends the session; its output says which
      expect({ code, tail: code === 0 ? '' : `${output.slice(-6000)}\n(all of it: ${path.join(logs, 'session.out')})` }).toEqual({ code: 0, tail: '' });
      expect(output).not.toMatch(/"errorType"|internal error:/);
      // About 30 commands, a dozen of them serverless starts: minutes on a busy machine.
    }, 900_000);
  });
});
