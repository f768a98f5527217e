/**
 * GitHub webhook signatures: `X-Hub-Signature-256: sha256=<hex HMAC-SHA256(secret, raw body)>`.
 * Verified over the raw bytes exactly as they arrived, before anything parses them, and compared
 * in constant time. During a rotation the hook may be signed with the previous secret: every
 * candidate is checked (no early exit), so timing does not tell which one matched.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';

/** The header, lower-cased as API Gateway's HTTP API hands headers over. */
export const SIGNATURE_HEADER = 'x-hub-signature-256';

const SIGNATURE_FORMAT = /^sha256=([0-9a-f]{64})$/;

/** The outcome of a check: which secret matched, or what was wrong. Never holds a secret or a digest. */
export type SignatureCheck =
  | { valid: true; secretIndex: number }
  | { valid: false; problem: 'missing' | 'malformed' | 'mismatch' | 'no-secret' };

/**
 * Checks a signature header against the raw body for each candidate secret (current first).
 *
 * @example
 * const check = verifySignature(Buffer.from(rawBody), headers['x-hub-signature-256'], [current, previous]);
 * if (!check.valid) return { statusCode: 401 };
 */
export function verifySignature(body: Uint8Array, header: string | undefined, secrets: readonly string[]): SignatureCheck {
  if (header === undefined || header === '') return { valid: false, problem: 'missing' };
  const match = SIGNATURE_FORMAT.exec(header.trim().toLowerCase());
  const hex = match?.[1];
  if (hex === undefined) return { valid: false, problem: 'malformed' };
  const usable = secrets.filter((secret) => secret !== '');
  if (usable.length === 0) return { valid: false, problem: 'no-secret' };
  const expected = Buffer.from(hex, 'hex');
  let matched = -1;
  usable.forEach((secret, index) => {
    const actual = createHmac('sha256', secret).update(body).digest();
    // Both are 32 bytes: timingSafeEqual's length rule never throws here.
    if (timingSafeEqual(actual, expected) && matched === -1) matched = index;
  });
  return matched === -1 ? { valid: false, problem: 'mismatch' } : { valid: true, secretIndex: matched };
}

/**
 * The header value GitHub would send for `body` signed with `secret`; for tests and local tools.
 *
 * @example
 * signBody('{"zen":"Keep it logically awesome."}', 'It\'s a Secret to Everybody'); // 'sha256=...'
 */
export function signBody(body: Uint8Array | string, secret: string): string {
  return `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`;
}
