import { isThrottling } from '../../../../shared/adapters/aws/throttling';

const named = (name: string, extra: Record<string, unknown> = {}): Error => Object.assign(new Error('slow down'), { name, ...extra });

it.each(['Throttling', 'ThrottlingException', 'RequestLimitExceeded', 'TooManyRequestsException'])('calls %s throttling, as the SDK does', (name) => {
  expect(isThrottling(named(name))).toBe(true);
});

it('calls an answer the SDK flags as throttling, or a 429, throttling whatever its name', () => {
  expect(isThrottling(named('SomethingElse', { $retryable: { throttling: true } }))).toBe(true);
  expect(isThrottling(named('SomethingElse', { $metadata: { httpStatusCode: 429 } }))).toBe(true);
});

it('calls a refusal, a 5xx or a non-error no throttling', () => {
  expect(isThrottling(named('InvalidParameterException', { $metadata: { httpStatusCode: 400 } }))).toBe(false);
  expect(isThrottling(named('ServerException', { $metadata: { httpStatusCode: 500 }, $retryable: {} }))).toBe(false);
  expect(isThrottling({ name: 'Throttling' })).toBe(false);
});
