'use strict';
/**
 * A request listener that answers the AWS SDK as an account with nothing in it. Two users:
 * - the code cache's training run (scripts/esbuild/code-cache-produce.cjs `train`), which invokes a
 *   bundled handler once at packaging, over loopback HTTP, so the cache also holds the functions
 *   its first invocation compiles;
 * - the bench's "require + first invoke" figure (bench/empty-account.ts, over TLS).
 * Answers follow each protocol's wire format as the SDK models describe it:
 * - awsJson1_0/1_1 (`X-Amz-Target`: SSM, SQS, DynamoDB, Secrets Manager, CloudWatch): `{}`; for SSM
 *   `GetParameters` the webhook secret and every other name under `InvalidParameters`, and for
 *   `GetParameter` the secret or a `ParameterNotFound` error (`__type`, HTTP 400);
 * - smithy-rpc-v2-cbor (`smithy-protocol: rpc-v2-cbor`: CloudWatch): an empty CBOR map (`0xa0`);
 * - ec2Query / awsQuery (form body with `Action=`): an empty `<ActionResponse>` with a request id;
 * - restJson1 (EKS): `ResourceNotFoundException` (HTTP 404, `x-amzn-ErrorType`), as for a cluster
 *   that does not exist yet.
 */
const { Buffer } = require('node:buffer');
const { URLSearchParams } = require('node:url');

/**
 * The webhook secret of GitHub's documentation example ("Validating webhook deliveries"), which the
 * sample ping event (events/deploy/webhook-ping.json) is signed with. Not a secret of anyone's.
 */
const SAMPLE_WEBHOOK_SECRET = "It's a Secret to Everybody";

function json(response, status, body, headers = {}) {
  response.writeHead(status, { 'content-type': 'application/x-amz-json-1.1', ...headers });
  response.end(JSON.stringify(body));
}

function isWebhookSecret(name) {
  return typeof name === 'string' && name.endsWith('/github-webhook-secret');
}

function parameter(name) {
  return { Name: name, Type: 'SecureString', Value: SAMPLE_WEBHOOK_SECRET, Version: 1 };
}

function answerJson(target, body, response) {
  if (target === 'AmazonSSM.GetParameters') {
    const { Names = [] } = JSON.parse(body);
    json(response, 200, { Parameters: Names.filter(isWebhookSecret).map(parameter), InvalidParameters: Names.filter((name) => !isWebhookSecret(name)) });
    return;
  }
  if (target === 'AmazonSSM.GetParameter') {
    const { Name } = JSON.parse(body);
    if (isWebhookSecret(Name)) {
      json(response, 200, { Parameter: parameter(Name) });
      return;
    }
    json(response, 400, { __type: 'ParameterNotFound', message: `Parameter ${Name ?? ''} not found.` });
    return;
  }
  json(response, 200, {});
}

function answer(request, body, response, requests) {
  const target = request.headers['x-amz-target'];
  if (typeof target === 'string') {
    requests.push(`json ${target}`);
    answerJson(target, body, response);
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
      `<?xml version="1.0" encoding="UTF-8"?>\n<${action}Response xmlns="http://ec2.amazonaws.com/doc/2016-11-15/"><requestId>empty-account</requestId></${action}Response>`,
    );
    return;
  }
  requests.push(`rest ${request.method ?? ''} ${request.url ?? ''}`);
  json(response, 404, { message: `No cluster found for name: ${request.url?.split('/')[2] ?? ''}.` }, { 'x-amzn-errortype': 'ResourceNotFoundException' });
}

/**
 * The listener, for `http.createServer` or `https.createServer`: each request is answered as the
 * empty account would, and recorded in `requests` as `protocol action` (`json AmazonSSM.GetParameter`,
 * `query DescribeAddresses`, `rest GET /clusters/kianax`).
 *
 * @param {string[]} requests
 * @returns {(request: import('node:http').IncomingMessage, response: import('node:http').ServerResponse) => void}
 * @example
 * const requests = [];
 * http.createServer(emptyAccountListener(requests)).listen(0, '127.0.0.1');
 */
function emptyAccountListener(requests) {
  return (request, response) => {
    let body = '';
    request.setEncoding('utf8');
    request.on('data', (chunk) => (body += chunk));
    request.on('error', () => response.destroy());
    request.on('end', () => {
      try {
        answer(request, body, response, requests);
      } catch (error) {
        response.writeHead(500);
        response.end(String(error));
      }
    });
  };
}

module.exports = { emptyAccountListener, SAMPLE_WEBHOOK_SECRET };
