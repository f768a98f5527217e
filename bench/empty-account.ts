/**
 * A local endpoint that answers the AWS SDK as an account with nothing in it, for the cold-start
 * proxy's "require + first invoke" figure: a fresh process loads a bundled handler, then handles one
 * plan (or ping) event whose AWS calls reach this endpoint through `AWS_ENDPOINT_URL`. It runs in
 * the bench's own process, so the child pays only for the handler's work and the loopback round
 * trips. Answers follow each protocol's wire format as the SDK models describe it:
 * - awsJson1_0/1_1 (`X-Amz-Target`: SSM, SQS, DynamoDB, Secrets Manager, CloudWatch): `{}`; for SSM
 *   `GetParameters` the webhook secret and every other name under `InvalidParameters`, and for
 *   `GetParameter` the secret or a `ParameterNotFound` error (`__type`, HTTP 400);
 * - smithy-rpc-v2-cbor (`smithy-protocol: rpc-v2-cbor`: CloudWatch): an empty CBOR map (`0xa0`);
 * - ec2Query / awsQuery (form body with `Action=`): an empty `<ActionResponse>` with a request id;
 * - restJson1 (EKS): `ResourceNotFoundException` (HTTP 404, `x-amzn-ErrorType`), as for a cluster
 *   that does not exist yet.
 *
 * It answers over TLS, as AWS does, with the test CA's certificate for 127.0.0.1
 * (testing/kubernetes-tls; the child trusts it through `NODE_EXTRA_CA_CERTS`): the first invoke
 * then loads `tls` and `https` and makes its handshakes as on Lambda, rather than taking plain HTTP
 * for free.
 */
import { readFileSync } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { createServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import path from 'node:path';

const TLS = path.resolve(__dirname, '..', 'testing', 'kubernetes-tls');

/** The CA the empty account's certificate is signed by: the child's `NODE_EXTRA_CA_CERTS`. */
export const EMPTY_ACCOUNT_CA = path.join(TLS, 'ca.crt');

/** The webhook secret the sample ping event (events/deploy/webhook-ping.json) is signed with. */
export const BENCH_WEBHOOK_SECRET = "It's a Secret to Everybody";

export interface EmptyAccount {
  url: string;
  /** `protocol action` per request, in order: what the first invocations asked. */
  requests: string[];
  close(): Promise<void>;
}

function read(request: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    let body = '';
    request.setEncoding('utf8');
    request.on('data', (chunk: string) => (body += chunk));
    request.on('end', () => {
      resolve(body);
    });
    request.on('error', reject);
  });
}

function json(response: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  response.writeHead(status, { 'content-type': 'application/x-amz-json-1.1', ...headers });
  response.end(JSON.stringify(body));
}

function isWebhookSecret(name: string | undefined): boolean {
  return name?.endsWith('/github-webhook-secret') === true;
}

function parameter(name: string): Record<string, unknown> {
  return { Name: name, Type: 'SecureString', Value: BENCH_WEBHOOK_SECRET, Version: 1 };
}

function answer(target: string, body: string, response: ServerResponse): void {
  if (target === 'AmazonSSM.GetParameters') {
    const { Names = [] } = JSON.parse(body) as { Names?: string[] };
    json(response, 200, { Parameters: Names.filter(isWebhookSecret).map(parameter), InvalidParameters: Names.filter((name) => !isWebhookSecret(name)) });
    return;
  }
  if (target === 'AmazonSSM.GetParameter') {
    const { Name } = JSON.parse(body) as { Name?: string };
    if (Name !== undefined && isWebhookSecret(Name)) {
      json(response, 200, { Parameter: parameter(Name) });
      return;
    }
    json(response, 400, { __type: 'ParameterNotFound', message: `Parameter ${Name ?? ''} not found.` });
    return;
  }
  json(response, 200, {});
}

/**
 * @example
 * const account = await startEmptyAccount();
 * spawn(process.execPath, [...], { env: { AWS_ENDPOINT_URL: account.url } });
 * await account.close();
 */
export async function startEmptyAccount(): Promise<EmptyAccount> {
  const requests: string[] = [];
  const server = createServer({ cert: readFileSync(path.join(TLS, 'server.crt')), key: readFileSync(path.join(TLS, 'server.key')) }, (request, response) => {
    read(request).then(
      (body) => {
        const target = request.headers['x-amz-target'];
        if (typeof target === 'string') {
          requests.push(`json ${target}`);
          answer(target, body, response);
          return;
        }
        if (request.headers['smithy-protocol'] === 'rpc-v2-cbor') {
          requests.push(`cbor ${request.url ?? ''}`);
          response.writeHead(200, { 'content-type': 'application/cbor', 'smithy-protocol': 'rpc-v2-cbor' });
          response.end(Buffer.from([0xa0]));
          return;
        }
        const action = new URLSearchParams(body).get('Action');
        if (action !== null) {
          requests.push(`query ${action}`);
          response.writeHead(200, { 'content-type': 'text/xml' });
          response.end(
            `<?xml version="1.0" encoding="UTF-8"?>\n<${action}Response xmlns="http://ec2.amazonaws.com/doc/2016-11-15/"><requestId>bench</requestId></${action}Response>`,
          );
          return;
        }
        requests.push(`rest ${request.method ?? ''} ${request.url ?? ''}`);
        json(
          response,
          404,
          { message: `No cluster found for name: ${request.url?.split('/')[2] ?? ''}.` },
          { 'x-amzn-errortype': 'ResourceNotFoundException' },
        );
      },
      (error: unknown) => {
        response.writeHead(500);
        response.end(String(error));
      },
    );
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `https://127.0.0.1:${String(port)}`,
    requests,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections();
        server.close((error) => {
          if (error) reject(error);
          else resolve();
        });
      }),
  };
}
