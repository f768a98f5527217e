import { EKSServiceException, InvalidParameterException, ResourceInUseException, ThrottlingException } from '@aws-sdk/client-eks';
import { EC2ServiceException } from '@aws-sdk/client-ec2';
import { InternalServerError } from '@aws-sdk/client-ssm';
import {
  clip,
  clipStrings,
  EksPilotError,
  InvalidEventError,
  isTransient,
  RequestRejectedError,
  ResourceBusyError,
  ThrottledError,
  UnknownTargetError,
  UpstreamError,
} from '../../shared/errors';

const nodeError = (code: string): Error => Object.assign(new Error(`connect ${code} 10.0.0.1:443`), { code });
const serviceError = (name: string, httpStatusCode: number): EKSServiceException =>
  new EKSServiceException({ name, $fault: httpStatusCode >= 500 ? 'server' : 'client', $metadata: { httpStatusCode }, message: name });

describe('isTransient', () => {
  it.each<[string, unknown]>([
    ['a 503 from EKS after the SDK retries', serviceError('ServiceUnavailableException', 503)],
    ['a 500 from SSM', new InternalServerError({ $metadata: { httpStatusCode: 500 }, message: 'internal' })],
    ['a 507, any other 5xx', serviceError('InsufficientStorage', 507)],
    ['EKS ThrottlingException', new ThrottlingException({ $metadata: { httpStatusCode: 429 }, message: 'Rate exceeded' })],
    [
      'EC2 RequestLimitExceeded',
      new EC2ServiceException({ name: 'RequestLimitExceeded', $fault: 'client', $metadata: { httpStatusCode: 503 }, message: 'Request limit exceeded.' }),
    ],
    ['SNS Throttling by name', Object.assign(new Error('Rate exceeded'), { name: 'Throttling' })],
    ['TooManyRequestsException by name', Object.assign(new Error('slow down'), { name: 'TooManyRequestsException' })],
    ['an error the SDK marks $retryable', Object.assign(new Error('x'), { $retryable: { throttling: false } })],
    ['a 429 status alone', Object.assign(new Error('x'), { $metadata: { httpStatusCode: 429 } })],
    ['ECONNREFUSED', nodeError('ECONNREFUSED')],
    ['ETIMEDOUT', nodeError('ETIMEDOUT')],
    ['ECONNRESET', nodeError('ECONNRESET')],
    ['EAI_AGAIN (DNS not answering)', nodeError('EAI_AGAIN')],
    ['the SDK TimeoutError', Object.assign(new Error('Connection timed out after 1000 ms'), { name: 'TimeoutError' })],
    ['our ThrottledError', new ThrottledError('DescribeCluster throttled')],
    ['our ResourceBusyError (EKS one update at a time)', new ResourceBusyError('UpdateNodegroupConfig refused while busy')],
    ['an UpstreamError wrapping ECONNREFUSED', new UpstreamError('Publish failed', { cause: nodeError('ECONNREFUSED') })],
    [
      'an UpstreamError wrapping a 503 two causes deep',
      new UpstreamError('PutParameter failed', { cause: new Error('wrapped', { cause: serviceError('ServiceUnavailable', 503) }) }),
    ],
    ['a Kubernetes 503 (status in the context)', new UpstreamError('cannot patch on cluster x: HTTP 503', { context: { status: 503 } })],
  ])('calls %s transient', (_label, error) => {
    expect(isTransient(error)).toBe(true);
  });

  it.each<[string, unknown]>([
    ['EKS InvalidParameterException (400)', new InvalidParameterException({ $metadata: { httpStatusCode: 400 }, message: 'minSize > maxSize' })],
    ['EKS ResourceInUseException not translated (409)', new ResourceInUseException({ $metadata: { httpStatusCode: 409 }, message: 'in use' })],
    [
      'EC2 AddressLimitExceeded (a quota, not throttling)',
      new EC2ServiceException({ name: 'AddressLimitExceeded', $fault: 'client', $metadata: { httpStatusCode: 400 }, message: 'limit' }),
    ],
    ['AccessDeniedException (403)', serviceError('AccessDeniedException', 403)],
    [
      'our RequestRejectedError, even wrapping a retryable cause',
      new RequestRejectedError('rejected', { cause: Object.assign(new Error('x'), { $retryable: {} }) }),
    ],
    ['invalid input', new InvalidEventError('mode: expected plan|apply')],
    ['an unknown only target', new UnknownTargetError('only names nodegroup/nope')],
    ['a plain UpstreamError with no cause', new UpstreamError('Publish failed: NotFound')],
    ['a Kubernetes 404', new UpstreamError('not found', { context: { status: 404 } })],
    ['an AbortError', Object.assign(new Error('aborted'), { name: 'AbortError', code: 'ECONNRESET' })],
    ['a bug (TypeError)', new TypeError("Cannot read properties of undefined (reading 'name')")],
    ['something that is not an Error', 'ECONNREFUSED'],
    ['undefined', undefined],
  ])('does not call %s transient', (_label, error) => {
    expect(isTransient(error)).toBe(false);
  });
});

describe('clip', () => {
  it.each([
    ['leaves text of 200 characters alone', 'a'.repeat(200), 'a'.repeat(200)],
    ['cuts 10,000 characters to 200, an ellipsis and the original length', 'a'.repeat(10_000), `${'a'.repeat(200)}… (10000 characters)`],
    ['does not cut again what it cut already', `${'a'.repeat(200)}… (10000 characters)`, `${'a'.repeat(200)}… (10000 characters)`],
  ])('%s', (_label, text, expected) => {
    expect(clip(text)).toBe(expected);
  });

  it('cuts every string of a nested context, keys included, and keeps other values', () => {
    // Prepare
    const context = { cluster: 'x'.repeat(300), count: 3, nested: [{ pool: 'p'.repeat(201) }], ['k'.repeat(250)]: true };

    // Act
    const clipped = clipStrings(context);

    // Assess
    expect(clipped).toEqual({
      cluster: `${'x'.repeat(200)}… (300 characters)`,
      count: 3,
      nested: [{ pool: `${'p'.repeat(200)}… (201 characters)` }],
      [`${'k'.repeat(200)}… (250 characters)`]: true,
    });
  });
});

describe('InvalidInputError', () => {
  it('keeps the cause, the typed context and cuts the field and reason it was given', () => {
    // Prepare
    const cause = new Error('zod');

    // Act
    const error = new InvalidEventError('bad', { cause, context: { cluster: 'x' }, issues: [{ field: 'f'.repeat(300), reason: 'r' }] });

    // Assess
    expect(error).toBeInstanceOf(EksPilotError);
    expect(error.cause).toBe(cause);
    expect(error.name).toBe('InvalidEventError');
    expect(error.issues).toEqual([{ field: `${'f'.repeat(200)}… (300 characters)`, reason: 'r' }]);
  });
});
