import { readFileSync } from 'node:fs';
import { createServer as createHttpServer } from 'node:http';
import type { IncomingHttpHeaders, IncomingMessage, Server, ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import type { TLSSocket } from 'node:tls';

/** One request as the fake API server saw it. */
export interface RecordedRequest {
  method: string;
  /** Path without the query. */
  path: string;
  query: URLSearchParams;
  headers: IncomingHttpHeaders;
  body: string;
  /** Subject CN of the client certificate, when the server asked for one and got it. */
  clientCertificateCn?: string;
}

/** What the fake answers; `body` is sent as JSON unless it is a string. */
export interface Reply {
  status: number;
  body?: unknown;
  contentType?: string;
}

export type Handler = (request: RecordedRequest) => Reply;

export interface FakeApiServer {
  /** `http://127.0.0.1:<port>` or `https://127.0.0.1:<port>`. */
  url: string;
  requests: RecordedRequest[];
  close(): Promise<void>;
}

const FIXTURES = join(__dirname, 'kubernetes-tls');

/** PEM text of a file under testing/kubernetes-tls. */
export function fixture(name: string): string {
  return readFileSync(join(FIXTURES, name), 'utf8');
}

/** A Kubernetes `Status` body, as the API server sends with every error. */
export function status(code: number, reason: string, message: string, details: Record<string, unknown> = {}): Reply {
  return { status: code, body: { kind: 'Status', apiVersion: 'v1', status: 'Failure', code, reason, message, details } };
}

/**
 * Starts a Kubernetes API stand-in on 127.0.0.1 (an ephemeral port) that records each request and
 * answers with `handler`. With `tls`, it serves HTTPS with the fixture certificate signed by the
 * fixture CA, and with `tls: 'mutual'` it also requires a client certificate from that CA.
 */
export async function startFakeApiServer(handler: Handler, tls?: 'server' | 'mutual'): Promise<FakeApiServer> {
  const requests: RecordedRequest[] = [];
  const listener = (req: IncomingMessage, res: ServerResponse): void => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const url = new URL(req.url ?? '/', 'http://placeholder');
      const recorded: RecordedRequest = {
        method: req.method ?? '',
        path: url.pathname,
        query: url.searchParams,
        headers: req.headers,
        body: Buffer.concat(chunks).toString('utf8'),
      };
      if ('getPeerCertificate' in req.socket) {
        // An empty object when the client sent no certificate.
        const peer = (req.socket as TLSSocket).getPeerCertificate() as Partial<ReturnType<TLSSocket['getPeerCertificate']>>;
        const cn = peer.subject?.CN;
        if (typeof cn === 'string') recorded.clientCertificateCn = cn;
      }
      requests.push(recorded);
      let reply: Reply;
      try {
        reply = handler(recorded);
      } catch (error) {
        reply = { status: 599, body: String(error) };
      }
      const body = reply.body === undefined ? '' : typeof reply.body === 'string' ? reply.body : JSON.stringify(reply.body);
      res.writeHead(reply.status, { 'Content-Type': reply.contentType ?? 'application/json' });
      res.end(body);
    });
  };
  const server: Server =
    tls === undefined
      ? createHttpServer(listener)
      : createHttpsServer(
          {
            key: fixture('server.key'),
            cert: fixture('server.crt'),
            ca: fixture('ca.crt'),
            requestCert: tls === 'mutual',
            rejectUnauthorized: tls === 'mutual',
          },
          listener,
        );
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `${tls === undefined ? 'http' : 'https'}://127.0.0.1:${port}`,
    requests,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => {
          resolve();
        });
      }),
  };
}
