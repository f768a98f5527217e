/*
 * Decision: a small client of our own over node:https, not @kubernetes/client-node.
 *
 * deploy and scale-watch need four REST calls (server-side apply, get, merge patch, list) on 15
 * kinds. Measured on Node 22.23.3, 2 cores: each entry bundled with esbuild 0.28 `--bundle --minify
 * --platform=node --format=cjs --target=node22`; import = median of 3 x 21 runs of
 * `node -e "require('<bundle>')"`, bare node 27 ms.
 *
 *   entry: connect + one server-side apply                    minified    import
 *   @kubernetes/client-node 2.0.1 (KubeConfig + ObjectApi)    1,420,654 B  128 ms  no EKS token signer
 *   @kubernetes/client-node 1.4.0 (same)                        965,878 B  101 ms  + DEP0040 punycode warning
 *   this layer (connectToCluster + apply, with SigV4 signer,    535,555 B   79 ms
 *     AWS credential chain and kubeconfig YAML)
 *   client-eks DescribeCluster alone (deploy needs it anyway)   514,477 B   90 ms
 *   client-eks + this layer                                     671,833 B  100 ms  (+157 KB, of which yaml 112 KB, shared with spec loading)
 *   client-eks + client-node 2.0.1 (still no signer)          1,946,144 B  176 ms
 *
 * client-node 2.x bundles to working CJS and runs on Node 22.23 (undici 8 wants >= 22.19), but
 * undici alone is 717 KB of its bundle; it depends on @types/node 26 at run time; it refuses an
 * http:// server unless TLS checks are off; it spends a discovery GET per API group; and under jest
 * it loads only once openid-client, oauth4webapi, jose, socks-proxy-agent and agent-base join
 * @kubernetes/client-node in transformIgnorePatterns (all ESM-only). 1.x (node-fetch 2) warns
 * about punycode on every Node 22 cold start. Ours needs no jest.config.cjs change.
 *
 * node:https rather than fetch: Node's global fetch takes a per-server CA or client certificate only
 * through an undici Agent, i.e. the undici package in the bundle; node:https takes ca/cert/key as
 * they are. Given up: watch, logs/exec/port-forward, typed models, discovery of arbitrary CRDs, and
 * exec/OIDC kubeconfig users. Should deploy need watch streams, client-node 2.x is the candidate at
 * the cost measured above.
 */
import { Agent as HttpAgent, request as httpRequest } from 'node:http';
import type { ClientRequest, IncomingMessage } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';
import { KubernetesUnreachableError } from '../../ports/kubernetes-errors';

/** Where the API server is and how to trust it and present ourselves at the TLS level. */
export interface KubernetesEndpoint {
  /** Names the cluster in errors and logs: the EKS cluster name, or the kubeconfig context. */
  cluster: string;
  /** `https://host[:port][/prefix]`; `http://` only for a local proxy (kubectl proxy, tests). */
  server: string;
  /** PEM of the CA(s) that sign the API server's certificate; omitted: Node's public roots. */
  caData?: string;
  /** SNI and certificate name to expect when it differs from the server's host. */
  tlsServerName?: string;
  /** Skip certificate checks (kubeconfig `insecure-skip-tls-verify`, local clusters only). */
  insecureSkipTlsVerify?: boolean;
  /** PEM client certificate and key for mutual TLS (kind, minikube kubeconfigs). */
  clientCertificateData?: string;
  clientKeyData?: string;
}

/** A bearer token, fetched before each request; `invalidate` forces a new one after a 401. */
export interface BearerTokenSource {
  token(): Promise<string>;
  /** Present when a new token may succeed where the last one failed (EKS tokens): one retry after a 401. */
  invalidate?(): void;
}

/** One call to the API server, as the adapter builds it. */
export interface KubernetesHttpRequest {
  method: 'GET' | 'PATCH' | 'DELETE';
  /** Path under the server's prefix, starting with `/`. */
  path: string;
  query?: URLSearchParams;
  contentType?: string;
  /** Never logged nor put in errors: it may hold a Secret. */
  body?: string;
}

/** The answer, whatever its status: the adapter decides what a status means. */
export interface KubernetesHttpResponse {
  status: number;
  contentType: string | undefined;
  body: string;
}

export interface KubernetesHttpClientOptions {
  /** Whole-request limit, connect to last byte. Default {@link DEFAULT_TIMEOUT_MS}. */
  timeoutMs?: number;
  /** Largest answer read into memory. Default {@link DEFAULT_MAX_RESPONSE_BYTES}. */
  maxResponseBytes?: number;
}

/** A Lambda has 15 minutes at most; one API call that takes 30 s is already a failure to report. */
export const DEFAULT_TIMEOUT_MS = 30_000;

/** Lists are paged (500 items), so one answer past 32 MiB means something is wrong. */
export const DEFAULT_MAX_RESPONSE_BYTES = 32 * 1024 * 1024;

const USER_AGENT = 'eks-pilot';

// Lambda freezes a container between invocations; a kept-alive socket may be dead on thaw.
const STALE_SOCKET_CODES = new Set(['ECONNRESET', 'EPIPE']);

// OpenSSL's verification codes (SELF_SIGNED_CERT_IN_CHAIN, UNABLE_TO_GET_ISSUER_CERT_LOCALLY, ...) and Node's TLS errors.
const TLS_FAILURE = /CERT|SELF_SIGNED|UNABLE_TO_|^ERR_TLS_|^ERR_SSL_/;

/**
 * Sends requests to one Kubernetes API server over a kept-alive connection, with the endpoint's CA
 * and client certificate and, when given, a bearer token. Answers come back whatever their status;
 * only the absence of an answer throws ({@link KubernetesUnreachableError}).
 *
 * Two retries and no more: once on a kept-alive socket found dead (every call we make is
 * idempotent: GET, server-side apply, merge patch), and once after a 401 when the token source can
 * mint a new token.
 *
 * @example
 * const client = new KubernetesHttpClient({ cluster: 'payments', server: 'https://ABC.gr7.eu-west-1.eks.amazonaws.com', caData: pem }, tokens);
 * const { status, body } = await client.send({ method: 'GET', path: '/api/v1/namespaces/shop/configmaps/web' });
 */
export class KubernetesHttpClient {
  readonly endpoint: KubernetesEndpoint;
  private readonly server: URL;
  private readonly prefix: string;
  private readonly agent: HttpAgent;
  private readonly auth: BearerTokenSource | undefined;
  private readonly timeoutMs: number;
  private readonly maxResponseBytes: number;

  constructor(endpoint: KubernetesEndpoint, auth?: BearerTokenSource, options: KubernetesHttpClientOptions = {}) {
    this.endpoint = endpoint;
    this.server = new URL(endpoint.server);
    if (this.server.protocol !== 'https:' && this.server.protocol !== 'http:') {
      throw new TypeError(`Kubernetes server must be an http(s) URL, not ${endpoint.server}`);
    }
    this.prefix = this.server.pathname.replace(/\/+$/, '');
    this.auth = auth;
    this.timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    this.maxResponseBytes = options.maxResponseBytes ?? DEFAULT_MAX_RESPONSE_BYTES;
    this.agent =
      this.server.protocol === 'https:'
        ? new HttpsAgent({
            keepAlive: true,
            ca: endpoint.caData,
            cert: endpoint.clientCertificateData,
            key: endpoint.clientKeyData,
            servername: endpoint.tlsServerName,
            rejectUnauthorized: endpoint.insecureSkipTlsVerify !== true,
          })
        : new HttpAgent({ keepAlive: true });
  }

  /**
   * Sends one request and reads the whole answer.
   *
   * @throws KubernetesUnreachableError when no answer came back (network, TLS, timeout, oversized answer).
   * @example
   * const res = await client.send({ method: 'PATCH', path, query: new URLSearchParams({ fieldManager: 'eks-pilot' }), contentType:
   * 'application/merge-patch+json', body: '{"spec":{"maxReplicas":8}}' });
   */
  async send(request: KubernetesHttpRequest): Promise<KubernetesHttpResponse> {
    const response = await this.sendOnce(request);
    if (response.status === 401 && this.auth?.invalidate !== undefined) {
      this.auth.invalidate();
      return this.sendOnce(request);
    }
    return response;
  }

  /** Closes kept-alive sockets; for tests and for callers that drop a client. */
  close(): void {
    this.agent.destroy();
  }

  private async sendOnce(request: KubernetesHttpRequest): Promise<KubernetesHttpResponse> {
    const headers: Record<string, string> = { Accept: 'application/json', 'User-Agent': USER_AGENT };
    if (this.auth !== undefined) headers.Authorization = `Bearer ${await this.auth.token()}`;
    if (request.contentType !== undefined) headers['Content-Type'] = request.contentType;
    if (request.body !== undefined) headers['Content-Length'] = String(Buffer.byteLength(request.body));
    const query = request.query?.toString() ?? '';
    const path = `${this.prefix}${request.path}${query === '' ? '' : `?${query}`}`;
    try {
      return await this.exchange(request, path, headers, true);
    } catch (error) {
      if (error instanceof StaleSocketError) return this.exchange(request, path, headers, false);
      throw error;
    }
  }

  private exchange(request: KubernetesHttpRequest, path: string, headers: Record<string, string>, retryStaleSocket: boolean): Promise<KubernetesHttpResponse> {
    const send = this.server.protocol === 'https:' ? httpsRequest : httpRequest;
    const context = { cluster: this.endpoint.cluster, method: request.method, path: request.path, status: 0 };
    return new Promise((resolve, reject) => {
      let settled = false;
      const fail = (message: string, cause: unknown): void => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        reject(new KubernetesUnreachableError(message, { cause, context }));
      };
      const req: ClientRequest = send({
        protocol: this.server.protocol,
        hostname: this.server.hostname.replace(/^\[|\]$/g, ''),
        port: this.server.port === '' ? undefined : Number(this.server.port),
        method: request.method,
        path,
        headers,
        agent: this.agent,
      });
      const timer = setTimeout(() => {
        req.destroy();
        fail(`Kubernetes API of cluster ${this.endpoint.cluster} did not answer ${request.method} ${request.path} within ${this.timeoutMs} ms`, undefined);
      }, this.timeoutMs);
      req.on('error', (error: NodeJS.ErrnoException) => {
        if (!settled && retryStaleSocket && req.reusedSocket && error.code !== undefined && STALE_SOCKET_CODES.has(error.code)) {
          settled = true;
          clearTimeout(timer);
          reject(new StaleSocketError(error));
          return;
        }
        const code = error.code ?? error.message;
        fail(
          TLS_FAILURE.test(code)
            ? `TLS with the Kubernetes API of cluster ${this.endpoint.cluster} at ${this.server.host} failed (${code}): its certificate does not chain to the cluster's CA, or the client certificate was refused`
            : `could not reach the Kubernetes API of cluster ${this.endpoint.cluster} at ${this.server.host} (${code})`,
          error,
        );
      });
      req.on('response', (res: IncomingMessage) => {
        const chunks: Buffer[] = [];
        let size = 0;
        res.on('data', (chunk: Buffer) => {
          size += chunk.length;
          if (size > this.maxResponseBytes) {
            res.destroy();
            fail(
              `Kubernetes API of cluster ${this.endpoint.cluster} answered ${request.method} ${request.path} with more than ${this.maxResponseBytes} bytes`,
              undefined,
            );
            return;
          }
          chunks.push(chunk);
        });
        res.on('error', (error) => {
          fail(`Kubernetes API of cluster ${this.endpoint.cluster} broke off its answer to ${request.method} ${request.path}`, error);
        });
        res.on('end', () => {
          if (settled) return;
          settled = true;
          clearTimeout(timer);
          const contentType = res.headers['content-type'];
          resolve({ status: res.statusCode ?? 0, contentType, body: Buffer.concat(chunks).toString('utf8') });
        });
      });
      req.end(request.body);
    });
  }
}

/** A kept-alive socket that the server (or a Lambda freeze) closed: send once more on a fresh one. */
class StaleSocketError extends Error {
  override name = 'StaleSocketError';

  constructor(cause: Error) {
    super('kept-alive socket was closed', { cause });
  }
}
