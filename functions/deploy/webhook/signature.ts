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
export type SignatureCheck = { valid: true; secretIndex: number } | { valid: false; problem: 'missing' | 'malformed' | 'mismatch' | 'no-secret' };

/**
 * Checks a signature header against the raw body for each candidate secret (current first).
 *
 * @example
 * const check = verifySignature(Buffer.from(rawBody), headers['x-hub-signature-256'], [current, previous]);
 * if (!check.valid) return { statusCode: 401 };
 */
export function verifySignature(body: Uint8Array, header: string | undefined, secrets: readonly string[]): SignatureCheck {
  const problem = signatureHeaderProblem(header);
  if (problem !== undefined) return { valid: false, problem };
  const hex = SIGNATURE_FORMAT.exec((header ?? '').trim().toLowerCase())?.[1] ?? '';
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
 * What is wrong with the header itself, before any secret is needed: absent, or not
 * `sha256=<64 hex digits>`. Lets a receiver refuse an unsigned request without reading the secret
 * (no AWS call, no cost beyond the invocation).
 *
 * @example
 * signatureHeaderProblem(undefined); // 'missing'
 * signatureHeaderProblem('sha1=7d38cdd6...'); // 'malformed'
 * signatureHeaderProblem(`sha256=${'0'.repeat(64)}`); // undefined: well-formed, still to verify
 */
export function signatureHeaderProblem(header: string | undefined): 'missing' | 'malformed' | undefined {
  if (header === undefined || header === '') return 'missing';
  // Bounded before the regex: a valid header is 71 characters, padding aside.
  if (header.length > 200 || !SIGNATURE_FORMAT.test(header.trim().toLowerCase())) return 'malformed';
  return undefined;
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
