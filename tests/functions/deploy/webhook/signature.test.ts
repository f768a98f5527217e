import { signBody, verifySignature } from '../../../../functions/deploy/webhook/signature';

// GitHub's documented test vector ("Validating webhook deliveries").
const SECRET = "It's a Secret to Everybody";
const BODY = 'Hello, World!';
const GITHUB_SIGNATURE = 'sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17';

describe('verifySignature', () => {
  it("accepts GitHub's documented example signature", () => {
    // Prepare
    const body = Buffer.from(BODY);

    // Act
    const check = verifySignature(body, GITHUB_SIGNATURE, [SECRET]);

    // Assess
    expect(check).toEqual({ valid: true, secretIndex: 0 });
    expect(signBody(BODY, SECRET)).toBe(GITHUB_SIGNATURE);
  });

  it('accepts the previous secret during a rotation and says which matched', () => {
    // Prepare
    const body = Buffer.from(BODY);

    // Act
    const check = verifySignature(body, GITHUB_SIGNATURE, ['the-new-secret', SECRET]);

    // Assess
    expect(check).toEqual({ valid: true, secretIndex: 1 });
  });

  it.each([
    ['missing', undefined, 'missing'],
    ['empty', '', 'missing'],
    ['sha1 instead of sha256', 'sha1=7d38cdd689735b008b3c702edd92eea23791c5f6', 'malformed'],
    ['too short', GITHUB_SIGNATURE.slice(0, -2), 'malformed'],
    ['not hex', `sha256=${'z'.repeat(64)}`, 'malformed'],
    ['another secret', signBody(BODY, 'forged'), 'mismatch'],
  ])('refuses a %s signature', (_what, header, problem) => {
    // Prepare
    const body = Buffer.from(BODY);

    // Act
    const check = verifySignature(body, header, [SECRET]);

    // Assess
    expect(check).toEqual({ valid: false, problem });
  });

  it('refuses a truncated body', () => {
    // Prepare
    const body = Buffer.from(BODY.slice(0, -1));

    // Act
    const check = verifySignature(body, GITHUB_SIGNATURE, [SECRET]);

    // Assess
    expect(check).toEqual({ valid: false, problem: 'mismatch' });
  });

  it('verifies the raw bytes, not a re-encoding of them', () => {
    // Prepare: bytes that are not valid UTF-8 would change if decoded and re-encoded
    const body = Buffer.from([0x7b, 0xff, 0xfe, 0x7d]);
    const header = signBody(body, SECRET);

    // Act
    const raw = verifySignature(body, header, [SECRET]);
    const reencoded = verifySignature(Buffer.from(body.toString('utf8')), header, [SECRET]);

    // Assess
    expect(raw.valid).toBe(true);
    expect(reencoded.valid).toBe(false);
  });

  it('refuses everything when no secret is configured', () => {
    // Prepare
    const body = Buffer.from(BODY);

    // Act
    const check = verifySignature(body, signBody(body, ''), ['']);

    // Assess
    expect(check).toEqual({ valid: false, problem: 'no-secret' });
  });
});
