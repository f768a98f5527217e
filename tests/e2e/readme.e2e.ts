/**
 * The README's shell blocks, run as written. Every ```sh block carries a marker on the line before
 * it, so a new command cannot go unchecked by accident:
 *
 * - `<!-- readme-check: run -->`: each command runs, in README order, in one bash session from the
 *   repository root, with the machine's own Node and npx (node_modules/.bin off PATH) and `set -e`.
 *   A command with `--detailed-exitcode` may also exit 2, as documented.
 * - `<!-- readme-check: background "<ready text>" -->`: a server the following blocks talk to; it
 *   runs in the background until its output shows the ready text, and is stopped at the end.
 * - `<!-- readme-check: skip <reason> -->`: needs what CI cannot have (an AWS account, a deploy).
 *
 * The session starts with what the README presumes a user has: an account (moto on a free port,
 * in `AWS_ENDPOINT_URL`, where the kianax cluster and its general-ng node group exist) and a
 * cluster (a Kubernetes API stand-in holding the kianax HPAs, the current context of `KUBECONFIG`
 * and of `~/.kube/config` in a scratch HOME). The one rewrite: the README's moto port 5000 becomes
 * a free port, so a busy port 5000 cannot fail CI.
 */
import { spawn } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { CreateClusterCommand, CreateNodegroupCommand, EKSClient } from '@aws-sdk/client-eks';
import { hpa } from '../functions/scale-watch/fakes';
import type { KubernetesStandIn } from './support/kubernetes';
import { startKubernetes } from './support/kubernetes';
import type { Moto } from './support/moto';
import { freePort, startMoto } from './support/moto';
import { ROOT } from './support/specs';
import { createExampleSecrets } from './support/example-secrets';

type Mode = { kind: 'run' } | { kind: 'background'; ready: string } | { kind: 'skip'; reason: string };

interface Block {
  line: number;
  mode: Mode | undefined;
  commands: string[];
}

const MARKER = /^\s*<!--\s*readme-check:\s*(run|background\s+"([^"]+)"|skip\s+(.+?))\s*-->\s*$/;

/** The ```sh blocks of a Markdown text, with the marker above each and its commands (continuations joined). */
function shellBlocks(markdown: string): Block[] {
  const lines = markdown.split('\n');
  const blocks: Block[] = [];
  for (let index = 0; index < lines.length; index += 1) {
    if (!/^\s*```sh\s*$/.test(lines[index] ?? '')) continue;
    let above = index - 1;
    while (above >= 0 && (lines[above] ?? '').trim() === '') above -= 1;
    const marker = MARKER.exec(lines[above] ?? '');
    const mode: Mode | undefined =
      marker === null ? undefined : marker[1] === 'run' ? { kind: 'run' } : marker[2] !== undefined ? { kind: 'background', ready: marker[2] } : { kind: 'skip', reason: marker[3] ?? '' };
    const body: string[] = [];
    let end = index + 1;
    while (end < lines.length && !/^\s*```\s*$/.test(lines[end] ?? '')) {
      body.push((lines[end] ?? '').trim());
      end += 1;
    }
    const commands: string[] = [];
    let pending = '';
    for (const text of body) {
      if (text === '' || text.startsWith('#')) continue;
      pending += text.endsWith('\\') ? `${text.slice(0, -1)} ` : text;
      if (!text.endsWith('\\')) {
        commands.push(pending);
        pending = '';
      }
    }
    blocks.push({ line: index + 1, mode, commands });
    index = end;
  }
  return blocks;
}

/** A bash single-quoted word: nothing inside is expanded. */
function quoted(text: string): string {
  return `'${text.replace(/'/g, "'\\''")}'`;
}

/** The bash session: each command as written, the backgrounds waited for. */
function sessionScript(blocks: readonly Block[], port: number, logs: string): string {
  const script = ['set -euo pipefail', 'cd "$EKS_PILOT_README_ROOT"'];
  let background = 0;
  for (const block of blocks) {
    const mode = block.mode;
    if (mode === undefined || mode.kind === 'skip') continue;
    for (const written of block.commands) {
      // A trailing comment would swallow what the session appends to the command.
      const command = written.replace(/\s+#\s[^'"]*$/, '').replace(/\b5000\b/g, String(port));
      script.push(`echo ${quoted(`$ ${written}`)}`);
      if (mode.kind === 'background') {
        background += 1;
        const log = path.join(logs, `background-${background}.log`);
        script.push(`( ${command} ) > ${log} 2>&1 &`);
        script.push(`for _ in $(seq 1 240); do grep -q ${quoted(mode.ready)} ${log} && break; sleep 0.5; done`);
        script.push(`grep -q ${quoted(mode.ready)} ${log} || { cat ${log}; echo ${quoted(`README line ${block.line}: never printed ${mode.ready}`)}; exit 1; }`);
      } else if (command.includes('--detailed-exitcode')) {
        script.push(`${command} || [ $? -eq 2 ]`);
      } else {
        script.push(command);
      }
    }
  }
  return `${script.join('\n')}\n`;
}

const README = readFileSync(path.join(ROOT, 'README.md'), 'utf8');
const blocks = shellBlocks(README);

describe('the README', () => {
  it('marks every shell block as run, background or skip (with a reason)', () => {
    const unmarked = blocks.filter((block) => block.mode === undefined).map((block) => `README.md:${block.line}`);

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
      await eks.send(new CreateClusterCommand({ name: 'kianax', version: '1.31', roleArn: 'arn:aws:iam::777788889999:role/kianax-eks-cluster', resourcesVpcConfig: { subnetIds: ['subnet-0aaa1111bbbb2222a', 'subnet-0aaa1111bbbb2222b'] } }));
      await eks.send(new CreateNodegroupCommand({ clusterName: 'kianax', nodegroupName: 'general-ng', nodeRole: 'arn:aws:iam::777788889999:role/kianax-eks-node', subnets: ['subnet-0aaa1111bbbb2222a'], scalingConfig: { minSize: 2, maxSize: 5, desiredSize: 2 }, labels: { role: 'general' } }));
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
      const userPath = (process.env.PATH ?? '').split(path.delimiter).filter((dir) => !dir.includes('node_modules')).join(path.delimiter);
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
