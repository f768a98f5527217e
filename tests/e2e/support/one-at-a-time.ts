/**
 * moto 5.2.1's DynamoDB evaluates a condition and then writes, with no lock between the two
 * (moto/dynamodb/models/table.py `Table.put_item`: `get_item`, then the condition, then the store;
 * `create_table` checks the name, builds the table, then stores it). Its server answers requests on
 * threads, so two conditional PutItems on one key that arrive together can both succeed: on this
 * 2-core machine under load, 38 of 1,500 rounds of four racing `attribute_not_exists` PutItems had
 * more than one winner. DynamoDB itself performs a conditional write atomically per item ("the
 * condition is checked and the write done as one operation":
 * https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/Expressions.ConditionExpressions.html),
 * which is what the leases and the release records rely on.
 *
 * This front passes DynamoDB requests to moto one at a time (reached through
 * `AWS_ENDPOINT_URL_DYNAMODB`), so each request is atomic as DynamoDB's are. Requests and answers
 * go through unchanged, headers and bytes; nothing is answered here.
 */
import { createServer } from 'node:http';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface OneAtATime {
  endpoint: string;
  close(): Promise<void>;
}

/** Headers that belong to one hop, not to the request or answer. */
const HOP = new Set(['host', 'connection', 'content-length', 'transfer-encoding', 'keep-alive']);

async function readBody(request: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of request) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

/**
 * @example
 * const front = await startOneAtATime(moto.endpoint);
 * env.AWS_ENDPOINT_URL_DYNAMODB = front.endpoint;
 */
export async function startOneAtATime(upstream: string): Promise<OneAtATime> {
  let queue: Promise<unknown> = Promise.resolve();

  const pass = async (request: IncomingMessage, body: Buffer, response: ServerResponse): Promise<void> => {
    const headers: Record<string, string> = {};
    for (const [key, value] of Object.entries(request.headers)) if (typeof value === 'string' && !HOP.has(key)) headers[key] = value;
    const method = request.method ?? 'POST';
    const answer = await fetch(`${upstream}${request.url ?? '/'}`, { method, headers, ...(body.length > 0 ? { body } : {}) });
    const bytes = Buffer.from(await answer.arrayBuffer());
    const answered: Record<string, string> = {};
    answer.headers.forEach((value, key) => {
      if (!HOP.has(key) && key !== 'content-encoding') answered[key] = value;
    });
    response.writeHead(answer.status, answered);
    response.end(bytes);
  };

  const server = createServer((request, response) => {
    void readBody(request).then((body) => {
      const turn = queue.then(() => pass(request, body, response));
      queue = turn.catch((error: unknown) => {
        // moto went away mid-request: answer as an unreachable service would.
        if (!response.headersSent) response.writeHead(502, { 'content-type': 'text/plain' });
        response.end(`moto did not answer: ${error instanceof Error ? error.message : String(error)}`);
      });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => {
          resolve();
        });
      }),
  };
}
