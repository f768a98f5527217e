/**
 * A local endpoint that answers the AWS SDK as an account with nothing in it, for the cold-start
 * proxy's "require + first invoke" figure: a fresh process loads a bundled handler, then handles one
 * plan (or ping) event whose AWS calls reach this endpoint through `AWS_ENDPOINT_URL`. It runs in
 * the bench's own process, so the child pays only for the handler's work and the loopback round
 * trips. The answers are scripts/esbuild/empty-account.cjs's, which the code cache's training run
 * also uses.
 *
 * It answers over TLS, as AWS does, with the test CA's certificate for 127.0.0.1
 * (testing/kubernetes-tls; the child trusts it through `NODE_EXTRA_CA_CERTS`): the first invoke
 * then loads `tls` and `https` and makes its handshakes as on Lambda, rather than taking plain HTTP
 * for free.
 */
import { readFileSync } from 'node:fs';
import { createServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { emptyAccountListener } from '../scripts/esbuild/empty-account.cjs';

const TLS = path.resolve(__dirname, '..', 'testing', 'kubernetes-tls');

/** The CA the empty account's certificate is signed by: the child's `NODE_EXTRA_CA_CERTS`. */
export const EMPTY_ACCOUNT_CA = path.join(TLS, 'ca.crt');

export interface EmptyAccount {
  url: string;
  /** `protocol action` per request, in order: what the first invocations asked. */
  requests: string[];
  close(): Promise<void>;
}

/**
 * @example
 * const account = await startEmptyAccount();
 * spawn(process.execPath, [...], { env: { AWS_ENDPOINT_URL: account.url, NODE_EXTRA_CA_CERTS: EMPTY_ACCOUNT_CA } });
 * await account.close();
 */
export async function startEmptyAccount(): Promise<EmptyAccount> {
  const requests: string[] = [];
  const server = createServer(
    { cert: readFileSync(path.join(TLS, 'server.crt')), key: readFileSync(path.join(TLS, 'server.key')) },
    emptyAccountListener(requests),
  );
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
