/**
 * The HTTP side of the webhook receiver: the API Gateway HTTP API (payload 2.0) event it accepts,
 * and the middleware that turns an error from the stack into an HTTP answer that leaks nothing.
 */
import type { MiddlewareObj } from '@middy/core';
import type { APIGatewayProxyResultV2 } from 'aws-lambda';
import * as z from 'zod/mini';
import { InvalidEventError } from '../../../shared/errors';

/** HTTP API payload format 2.0, as far as the receiver reads it. */
export const httpApiEventSchema = z.looseObject({
  version: z.literal('2.0'),
  rawPath: z.string(),
  headers: z.record(z.string(), z.string()),
  body: z.optional(z.string()),
  isBase64Encoded: z.boolean(),
  requestContext: z.looseObject({ requestId: z.string(), http: z.looseObject({ method: z.string() }) }),
});

export type HttpApiEvent = z.output<typeof httpApiEventSchema>;

/**
 * Headers with lower-cased names (HTTP API already lower-cases them; a test or a proxy may not).
 *
 * @example
 * lowerCaseHeaders({ 'X-GitHub-Event': 'ping' }); // { 'x-github-event': 'ping' }
 */
export function lowerCaseHeaders(headers: Readonly<Record<string, string>>): Record<string, string> {
  return Object.fromEntries(Object.entries(headers).map(([name, value]) => [name.toLowerCase(), value]));
}

/**
 * The raw body bytes and, for a base64 body, its decoded size computed before decoding.
 *
 * @example
 * const { body, declaredBytes } = rawBody(event); // verify the signature over `body`
 */
export function rawBody(event: HttpApiEvent): { body: Buffer; declaredBytes: number } {
  const text = event.body ?? '';
  if (!event.isBase64Encoded) return { body: Buffer.from(text, 'utf8'), declaredBytes: Buffer.byteLength(text, 'utf8') };
  return { body: Buffer.from(text, 'base64'), declaredBytes: Math.floor((text.length * 3) / 4) };
}

/**
 * A JSON answer in HTTP API's format.
 *
 * @example
 * jsonResponse(202, { status: 'queued' }); // { statusCode: 202, headers: { 'content-type': 'application/json' }, body: '{"status":"queued"}' }
 */
export function jsonResponse(statusCode: number, body: unknown): APIGatewayProxyResultV2 {
  return { statusCode, headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) };
}

/** Options for {@link httpErrors}. */
export interface HttpErrorsOptions {
  /** The body of a 500: says nothing about the cause (it is in the log line `logErrors` writes). */
  internalMessage: string;
}

const httpErrorsDefaults: HttpErrorsOptions = { internalMessage: 'internal error; the delivery can be redelivered from GitHub' };

/**
 * Middleware that answers an error with a status instead of failing the invocation: an event the
 * stack's schema refused is a 400 naming the first bad field, anything else a 500 with a fixed message. It sets the response
 * and returns nothing, so the stack's `logErrors` (outside it) still logs the error once.
 *
 * @example
 * export const handler = lambdaStack(receive, { logger, eventSchema: httpApiEventSchema }).use(httpErrors());
 */
export function httpErrors(options: Partial<HttpErrorsOptions> = {}): MiddlewareObj {
  const { internalMessage } = { ...httpErrorsDefaults, ...options };
  return {
    name: 'httpErrors',
    onError: (request) => {
      const error = request.error;
      if (!(error instanceof InvalidEventError)) {
        request.response = jsonResponse(500, { status: 'rejected', reason: internalMessage });
        return;
      }
      // The issues name fields of the HTTP API envelope, never their values (already cut to a sane length).
      const [first] = error.issues;
      request.response = jsonResponse(400, {
        status: 'rejected',
        reason: first === undefined ? 'not an HTTP API request' : `not an HTTP API request: ${first.reason}`,
        ...(first === undefined ? {} : { field: first.field }),
      });
    },
  };
}
