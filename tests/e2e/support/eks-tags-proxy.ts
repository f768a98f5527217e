/**
 * moto 5.2.1 keeps no tags on EKS node groups: TagResource on a node group ARN answers
 * NotFoundException. This proxy sits in front of moto for EKS only (`AWS_ENDPOINT_URL_EKS`) and
 * keeps node-group tags as the EKS API reference gives them: `POST /tags/{resourceArn}` with
 * `{"tags": {...}}`, `DELETE /tags/{resourceArn}?tagKeys=...`, `GET /tags/{resourceArn}` answering
 * `{"tags": {...}}`, and the tags in DescribeNodegroup's `nodegroup.tags`
 * (https://docs.aws.amazon.com/eks/latest/APIReference/API_TagResource.html). A node group moto
 * does not know still answers moto's 404. Every other request goes to moto unchanged.
 */
import { createServer } from 'node:http';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface EksTagsProxy {
  endpoint: string;
  /** The tags kept per node group ARN. */
  tags: Map<string, Record<string, string>>;
  close(): Promise<void>;
}

interface Upstream {
  status: number;
  headers: Record<string, string>;
  text: string;
}

const NODEGROUP_ARN = /^arn:aws[a-z-]*:eks:[a-z0-9-]+:\d{12}:nodegroup\/([^/]+)\/([^/]+)\/[^/]+$/;

async function readBody(request: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of request) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

function json(status: number, body: unknown): Upstream {
  return { status, headers: { 'content-type': 'application/json' }, text: JSON.stringify(body) };
}

function send(response: ServerResponse, reply: Upstream): void {
  response.writeHead(reply.status, { 'content-type': 'application/json', ...reply.headers });
  response.end(reply.text);
}

/**
 * @example
 * const proxy = await startEksTagsProxy(moto.endpoint);
 * env.AWS_ENDPOINT_URL_EKS = proxy.endpoint;
 */
export async function startEksTagsProxy(upstream: string): Promise<EksTagsProxy> {
  const tags = new Map<string, Record<string, string>>();

  /** Sends a request on to moto with the caller's (signed) headers. */
  const forward = async (request: IncomingMessage, body: Buffer, override?: { method: string; url: string }): Promise<Upstream> => {
    const headers: Record<string, string> = {};
    for (const [key, value] of Object.entries(request.headers))
      if (typeof value === 'string' && key !== 'host' && key !== 'content-length') headers[key] = value;
    const init: RequestInit = { method: override?.method ?? request.method ?? 'GET', headers };
    if (body.length > 0 && override === undefined) init.body = body;
    const response = await fetch(`${upstream}${override?.url ?? request.url ?? '/'}`, init);
    const text = await response.text();
    const answered: Record<string, string> = {};
    response.headers.forEach((value, key) => {
      if (key === 'content-type' || key.startsWith('x-amz')) answered[key] = value;
    });
    return { status: response.status, headers: answered, text };
  };

  const describeNodegroup = (cluster: string, name: string, request: IncomingMessage): Promise<Upstream> =>
    forward(request, Buffer.alloc(0), { method: 'GET', url: `/clusters/${encodeURIComponent(cluster)}/node-groups/${encodeURIComponent(name)}` });

  const answer = async (request: IncomingMessage): Promise<Upstream> => {
    const body = await readBody(request);
    const url = new URL(request.url ?? '/', 'http://proxy');
    const tagPath = /^\/tags\/(.+)$/.exec(url.pathname);
    const arn = tagPath?.[1] === undefined ? undefined : decodeURIComponent(tagPath[1]);
    const nodegroup = arn === undefined ? null : NODEGROUP_ARN.exec(arn);
    if (arn !== undefined && nodegroup !== null) {
      const existing = await describeNodegroup(nodegroup[1] ?? '', nodegroup[2] ?? '', request);
      if (existing.status !== 200) return existing;
      const current = tags.get(arn) ?? {};
      if (request.method === 'POST') {
        tags.set(arn, { ...current, ...(JSON.parse(body.toString() || '{}') as { tags?: Record<string, string> }).tags });
        return json(200, {});
      }
      if (request.method === 'DELETE') {
        const removed = new Set(url.searchParams.getAll('tagKeys'));
        tags.set(arn, Object.fromEntries(Object.entries(current).filter(([key]) => !removed.has(key))));
        return json(200, {});
      }
      const described = JSON.parse(existing.text) as { nodegroup?: { tags?: Record<string, string> } };
      return json(200, { tags: { ...described.nodegroup?.tags, ...current } });
    }
    const upstreamAnswer = await forward(request, body);
    const isDescribe = request.method === 'GET' && /^\/clusters\/[^/]+\/node-groups\/[^/]+$/.test(url.pathname) && upstreamAnswer.status === 200;
    if (!isDescribe) return upstreamAnswer;
    const described = JSON.parse(upstreamAnswer.text) as { nodegroup: { nodegroupArn?: string; tags?: Record<string, string> } };
    described.nodegroup.tags = { ...described.nodegroup.tags, ...tags.get(described.nodegroup.nodegroupArn ?? '') };
    return { ...upstreamAnswer, text: JSON.stringify(described) };
  };

  const server: Server = createServer((request, response) => {
    answer(request)
      .catch((error: unknown) => json(500, { message: `eks tags proxy: ${String(error)}` }))
      .then((reply) => {
        send(response, reply);
      })
      .catch(() => response.destroy());
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    tags,
    close: () =>
      new Promise((resolve) => {
        server.close(() => {
          resolve();
        });
      }),
  };
}
