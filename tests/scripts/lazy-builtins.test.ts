/**
 * Node's heavier modules loaded on first use in the bundles (scripts/esbuild/lazy-builtins.cjs): a
 * bundled SDK client loads neither `https` nor `tls` when the handler is required, still calls AWS
 * over TLS when it is used, and probed or captured builtin functions behave as Node's own. Each
 * bundle runs in a fresh Node, as a cold start does; the packaged functions run against moto in
 * tests/e2e.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import * as https from 'node:https';
import { createServer } from 'node:https';
import type { Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import * as stream from 'node:stream';
import path from 'node:path';
import * as zlib from 'node:zlib';
import { crc32 } from 'node:zlib';
import * as fsPromises from 'node:fs/promises';
import { exportKind, exportsOf, lazyBuiltinsPlugin } from '../../scripts/esbuild/lazy-builtins.cjs';
import { bundleLikeFunctions } from '../../testing/function-bundle';

const BUILD_TIMEOUT_MS = 60_000;
const TLS = path.resolve(__dirname, '..', '..', 'testing', 'kubernetes-tls');
const QUEUE_URL = 'https://sqs.eu-west-1.amazonaws.com/123456789012/deploys.fifo';

/** What the bundles hold: an SDK client over HTTPS, a probed zlib function, a captured https function, a class. */
const SNIPPET = `
import { Agent, request } from 'node:https';
import * as zlib from 'node:zlib';
import { ListQueuesCommand, SQSClient } from '@aws-sdk/client-sqs';

export const crc32Probed = typeof zlib.crc32 === 'function';
export const captured = request;
const client = new SQSClient({ region: 'eu-west-1' });
export const listQueues = async () => (await client.send(new ListQueuesCommand({}))).QueueUrls;
export const crcOf = (text: string) => zlib.crc32(text);
export const agentIsNodes = () => new Agent({ keepAlive: false }) instanceof (require('node:https') as typeof import('node:https')).Agent;
`;

/** Runs in the child: requires the bundle, then uses it, and prints what each step loaded. */
const CHILD = `
const loaded = () => process.moduleLoadList.filter((m) => m.startsWith('NativeModule ') && !m.includes('internal/')).map((m) => m.slice(13));
const before = new Set(loaded());
const bundle = require(process.argv[1]);
const atRequire = loaded().filter((m) => !before.has(m));
(async () => {
  const queueUrls = await bundle.listQueues();
  process.stdout.write(JSON.stringify({ atRequire, crc32Probed: bundle.crc32Probed, queueUrls, crc: bundle.crcOf('hello'), agentIsNodes: bundle.agentIsNodes(), afterUse: loaded().filter((m) => !before.has(m)) }));
})().catch((error) => { process.stderr.write(String(error && error.stack)); process.exit(1); });
`;

interface ChildReport {
  atRequire: string[];
  crc32Probed: boolean;
  queueUrls: string[];
  crc: number;
  agentIsNodes: boolean;
  afterUse: string[];
}

/** An SQS endpoint over TLS (the test CA's certificate for 127.0.0.1) answering ListQueues as SQS's JSON protocol does. */
async function startSqsOverTls(): Promise<{ server: Server; url: string; targets: string[] }> {
  const targets: string[] = [];
  const server = createServer({ cert: readFileSync(path.join(TLS, 'server.crt')), key: readFileSync(path.join(TLS, 'server.key')) }, (request, response) => {
    targets.push(String(request.headers['x-amz-target']));
    request.resume();
    request.on('end', () => {
      response.writeHead(200, { 'content-type': 'application/x-amz-json-1.0', 'x-amzn-requestid': 'req-1' });
      response.end(JSON.stringify({ QueueUrls: [QUEUE_URL] }));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, url: `https://127.0.0.1:${String((server.address() as AddressInfo).port)}`, targets };
}

function runChild(bundleFile: string, endpoint: string): Promise<ChildReport> {
  const env = {
    PATH: process.env.PATH ?? '',
    AWS_ENDPOINT_URL: endpoint,
    AWS_ACCESS_KEY_ID: 'AKIDEXAMPLE',
    AWS_SECRET_ACCESS_KEY: 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY',
    NODE_EXTRA_CA_CERTS: path.join(TLS, 'ca.crt'),
  };
  return new Promise((resolve, reject) => {
    execFile(process.execPath, ['-e', CHILD, bundleFile], { env, encoding: 'utf8' }, (error, stdout, stderr) => {
      if (error) reject(new Error(`${error.message}\n${stderr}`));
      else resolve(JSON.parse(stdout) as ChildReport);
    });
  });
}

describe('exportKind', () => {
  const modules: Record<string, object> = { https, zlib, 'fs/promises': fsPromises };
  it.each([
    ['request', 'https', 'function'],
    ['crc32', 'zlib', 'function'],
    ['readFile', 'fs/promises', 'function'],
    ['Agent', 'https', 'value'],
    ['Gzip', 'zlib', 'value'],
    ['constants', 'zlib', 'value'],
    ['globalAgent', 'https', 'value'],
  ])('stands in for %s of %s with a %s', (name, builtin, kind) => {
    expect(exportKind(name, (modules[builtin] as Record<string, unknown>)[name])).toBe(kind);
  });

  it("keeps a function with properties of its own (as promisify reads them) as the builtin's own value", () => {
    expect(exportKind('pipeline', stream.pipeline)).toBe('value');
  });

  it("lists every export of the packaging Node's module", () => {
    expect(exportsOf('https').map(([name]) => name)).toEqual(Object.keys(https).filter((name) => name !== 'default')); // ts-jest's namespace import adds a default
  });
});

describe('a bundle built with lazyBuiltinsPlugin', () => {
  let folder: string;
  let sqs: Awaited<ReturnType<typeof startSqsOverTls>>;

  beforeAll(async () => {
    folder = mkdtempSync(path.join(os.tmpdir(), 'eks-pilot-lazy-builtins-'));
    sqs = await startSqsOverTls();
  });

  afterAll(async () => {
    await new Promise((resolve) => sqs.server.close(resolve));
    rmSync(folder, { recursive: true, force: true });
  });

  it(
    'loads neither https nor tls nor zlib when required, and calls SQS over TLS when used',
    async () => {
      // Prepare
      const file = path.join(folder, 'lazy.js');
      writeFileSync(file, (await bundleLikeFunctions(SNIPPET, [lazyBuiltinsPlugin()])).code);

      // Act
      const report = await runChild(file, sqs.url);

      // Assess
      expect(report.atRequire).not.toContain('https');
      expect(report.atRequire).not.toContain('tls');
      expect(report.atRequire).not.toContain('zlib');
      expect(report.crc32Probed).toBe(true);
      expect(report.queueUrls).toEqual([QUEUE_URL]);
      expect(sqs.targets).toContain('AmazonSQS.ListQueues');
      expect(report.afterUse).toEqual(expect.arrayContaining(['https', 'tls', 'zlib']));
      expect(report.crc).toBe(crc32('hello'));
      expect(report.agentIsNodes).toBe(true);
    },
    BUILD_TIMEOUT_MS,
  );

  it(
    'is what keeps them out: the same bundle without it loads https, tls and zlib at require',
    async () => {
      // Prepare
      const file = path.join(folder, 'plain.js');
      writeFileSync(file, (await bundleLikeFunctions(SNIPPET, [])).code);

      // Act
      const report = await runChild(file, sqs.url);

      // Assess
      expect(report.atRequire).toEqual(expect.arrayContaining(['https', 'tls', 'zlib']));
      expect(report.queueUrls).toEqual([QUEUE_URL]);
    },
    BUILD_TIMEOUT_MS,
  );

  it(
    'leaves the builtins it was not given as Node loads them',
    async () => {
      // Prepare
      const file = path.join(folder, 'only-zlib.js');
      writeFileSync(file, (await bundleLikeFunctions(SNIPPET, [lazyBuiltinsPlugin({ builtins: ['zlib'] })])).code);

      // Act
      const report = await runChild(file, sqs.url);

      // Assess
      expect(report.atRequire).toEqual(expect.arrayContaining(['https', 'tls']));
      expect(report.atRequire).not.toContain('zlib');
    },
    BUILD_TIMEOUT_MS,
  );
});
