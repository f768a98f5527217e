import { Logger } from '@aws-lambda-powertools/logger';
import middy from '@middy/core';
import * as z from 'zod';
import { EksPilotError, UpstreamError } from '../../../shared/errors';
import { createLogger } from '../../../shared/lambda/logger';
import { isErrorAnswer, lambdaStack, logErrors, validateEvent } from '../../../shared/lambda/middleware';
import scheduledEvent from '../../fixtures/events/scheduled-event.json';
import { lambdaContext } from '../../../testing/lambda-context';
import { captureLogLines } from '../../../testing/log-lines';
import type { LogLine } from '../../../testing/log-lines';

const ScheduledEvent = z.object({
  version: z.literal('0'),
  id: z.string(),
  'detail-type': z.literal('Scheduled Event'),
  source: z.literal('aws.events'),
  account: z.string().regex(/^\d{12}$/),
  time: z.iso.datetime().transform((time) => new Date(time)),
  region: z.string(),
  resources: z.array(z.string()).min(1),
  detail: z.object({}),
});

const AlarmEvent = z.object({
  detail: z.object({ alarmName: z.string(), state: z.object({ value: z.enum(['ALARM', 'OK', 'INSUFFICIENT_DATA']) }) }),
});

const errorLines = (lines: LogLine[]): LogLine[] => lines.filter((line) => line.level === 'ERROR');

describe('lambdaStack', () => {
  const originalEnv = process.env;

  beforeEach(() => {
    // Without the variables that change what the logger prints, so the machine's own settings cannot leak in.
    const cleared = new Set(['POWERTOOLS_DEV', 'POWERTOOLS_LOG_LEVEL', 'LOG_LEVEL', 'AWS_LAMBDA_LOG_LEVEL', 'POWERTOOLS_LOGGER_LOG_EVENT']);
    process.env = Object.fromEntries(Object.entries(originalEnv).filter(([key]) => !cleared.has(key)));
    process.env.POWERTOOLS_SERVICE_NAME = 'eks-pilot-test';
  });

  afterEach(() => {
    process.env = originalEnv;
    jest.restoreAllMocks();
  });

  it('passes the event, parsed by its schema, to the handler and returns what the handler returns', async () => {
    // Prepare
    const logs = captureLogLines();
    const received: z.output<typeof ScheduledEvent>[] = [];
    const handler = lambdaStack(
      (event) => {
        received.push(event);
        return Promise.resolve({ rule: event.resources[0] });
      },
      { logger: createLogger(), eventSchema: ScheduledEvent },
    );

    // Act
    const result = await handler(scheduledEvent, lambdaContext);

    // Assess
    expect(result).toEqual({ rule: 'arn:aws:events:us-east-1:123456789012:rule/SampleRule' });
    expect(received).toHaveLength(1);
    expect(received[0]?.time).toEqual(new Date('2016-12-30T18:44:49Z'));
    expect(errorLines(logs.lines())).toEqual([]);
  });

  it('answers an event of the wrong shape with an error object naming the field and what was expected, and no stack', async () => {
    // Prepare
    captureLogLines();
    const handlerFn = jest.fn(() => Promise.resolve());
    const handler = lambdaStack(handlerFn, { logger: createLogger(), eventSchema: AlarmEvent });
    const event = { detail: { alarmName: 'payments-5xx', state: { value: 'BROKEN' } } };

    // Act
    const answer = await handler(event, lambdaContext);

    // Assess
    expect(answer).toEqual({
      error: {
        name: 'InvalidEventError',
        message: 'unexpected event: detail.state.value: expected one of ALARM|OK|INSUFFICIENT_DATA',
        field: 'detail.state.value',
        reason: 'expected one of ALARM|OK|INSUFFICIENT_DATA',
        issues: [{ field: 'detail.state.value', reason: 'expected one of ALARM|OK|INSUFFICIENT_DATA' }],
        retryable: false,
      },
    });
    expect(handlerFn).not.toHaveBeenCalled();
  });

  it('cuts a 10,000-character unknown key to 200 characters in the answer and in the log line', async () => {
    // Prepare
    const logs = captureLogLines();
    const key = 'k'.repeat(10_000);
    const handler = lambdaStack(() => Promise.resolve(), { logger: createLogger(), eventSchema: z.strictObject({ mode: z.literal('plan') }) });

    // Act
    const answer = await handler({ mode: 'plan', [key]: 1 }, lambdaContext);

    // Assess
    expect(isErrorAnswer(answer) ? answer.error.reason : undefined).toBe(`Unrecognized key: "${'k'.repeat(181)}… (10020 characters)`);
    expect(JSON.stringify(answer)).not.toContain('k'.repeat(201));
    expect(logs.raw()).not.toContain('k'.repeat(201));
  });

  it('fails the invocation on any other error of an async trigger, so Lambda retries it and then dead-letters it', async () => {
    // Prepare
    captureLogLines();
    const failure = new UpstreamError('DescribeCluster failed: ServiceUnavailableException: try later');
    const handler = lambdaStack(() => Promise.reject(failure), { logger: createLogger(), eventSchema: ScheduledEvent, callerWaits: () => false });

    // Act
    const invocation = handler(scheduledEvent, lambdaContext);

    // Assess
    await expect(invocation).rejects.toBe(failure);
  });

  it('answers any error of a manual invoke with an error object, saying whether trying again may help', async () => {
    // Prepare
    const logs = captureLogLines();
    const throttled = Object.assign(new Error('Rate exceeded'), { name: 'ThrottlingException', $metadata: { httpStatusCode: 400 } });
    const handler = lambdaStack(() => Promise.reject(new UpstreamError('DescribeCluster failed: ThrottlingException: Rate exceeded', { cause: throttled })), {
      logger: createLogger(),
      eventSchema: z.object({ mode: z.literal('plan') }),
      callerWaits: (event) => typeof event === 'object' && event !== null && 'mode' in event,
    });

    // Act
    const answer = await handler({ mode: 'plan' }, lambdaContext);

    // Assess
    expect(answer).toEqual({ error: { name: 'UpstreamError', message: 'DescribeCluster failed: ThrottlingException: Rate exceeded', retryable: true } });
    expect(errorLines(logs.lines())).toHaveLength(1);
  });

  it('names every bad field, says which are missing, and never repeats the value it received', async () => {
    // Prepare
    captureLogLines();
    const handler = lambdaStack(() => Promise.resolve(), { logger: createLogger(), eventSchema: ScheduledEvent });
    const event = { ...scheduledEvent, 'detail-type': 'Object Created', region: undefined, resources: [42] };

    // Act
    const answer = await handler(event, lambdaContext);

    // Assess
    expect(isErrorAnswer(answer)).toBe(true);
    expect(isErrorAnswer(answer) ? answer.error.message : undefined).toBe(
      'unexpected event: detail-type: expected "Scheduled Event"; region: required, expected string; ' + 'resources[0]: expected string, received number',
    );
    expect(isErrorAnswer(answer) ? answer.error.issues?.map((issue) => issue.field) : undefined).toEqual(['detail-type', 'region', 'resources[0]']);
    expect(JSON.stringify(answer)).not.toContain('Object Created');
  });

  it('logs a failed invocation once, as one JSON line carrying the request id, and rethrows the error', async () => {
    // Prepare
    const logs = captureLogLines();
    const failure = new UpstreamError('DescribeCluster failed', {
      cause: Object.assign(new Error('Cluster has an update in progress'), { name: 'ResourceInUseException' }),
      context: { cluster: 'payments', region: 'us-east-1' },
    });
    const handler = lambdaStack(() => Promise.reject(failure), { logger: createLogger(), eventSchema: ScheduledEvent });

    // Act
    const invocation = handler(scheduledEvent, lambdaContext);

    // Assess
    await expect(invocation).rejects.toBe(failure);
    const errors = errorLines(logs.lines());
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatchObject({
      message: 'invocation failed',
      service: 'eks-pilot-test',
      function_name: 'eks-pilot-test',
      function_request_id: 'c6af9ac6-7b61-11e6-9a41-93e812345678',
      error: {
        name: 'UpstreamError',
        message: 'DescribeCluster failed',
        context: { cluster: 'payments', region: 'us-east-1' },
        cause: { name: 'ResourceInUseException', message: 'Cluster has an update in progress' },
      },
    });
    expect(typeof errors[0]?.cold_start).toBe('boolean');
  });

  it('logs an invalid event as a failure with each issue as a fact', async () => {
    // Prepare
    const logs = captureLogLines();
    const handler = lambdaStack(() => Promise.resolve(), { logger: createLogger(), eventSchema: AlarmEvent });

    // Act
    await handler({ detail: { state: { value: 'OK' } } }, lambdaContext).catch(() => undefined);

    // Assess
    expect(errorLines(logs.lines())).toEqual([
      expect.objectContaining({
        function_request_id: 'c6af9ac6-7b61-11e6-9a41-93e812345678',
        error: {
          name: 'InvalidEventError',
          message: 'unexpected event: detail.alarmName: required, expected string',
          context: { issueCount: 1 },
          issues: [{ field: 'detail.alarmName', reason: 'required, expected string' }],
          cause: expect.objectContaining({ name: 'ZodError' }) as unknown,
        },
      }),
    ]);
  });

  it('never prints a value held under a key named token, even through a logger it did not create', async () => {
    // Prepare
    const logs = captureLogLines();
    const secret = 'k8s-aws-v1.aHR0cHM6Ly9zdHMuZXUtd2VzdC0xLmFtYXpvbmF3cy5jb20v';
    const plainLogger = new Logger({ serviceName: 'eks-pilot-test' });
    const handler = lambdaStack(() => Promise.reject(new EksPilotError('kube API refused the request', { context: { cluster: 'payments', token: secret } })), {
      logger: plainLogger,
      eventSchema: ScheduledEvent,
    });

    // Act
    await handler(scheduledEvent, lambdaContext).catch(() => undefined);

    // Assess
    expect(logs.raw()).not.toContain(secret);
    expect(errorLines(logs.lines())[0]).toMatchObject({ error: { context: { cluster: 'payments', token: '[redacted]' } } });
  });

  it('never prints a token the handler itself logs through the shared logger', async () => {
    // Prepare
    const logs = captureLogLines();
    const secret = 'ghp_16C7e42F292c6912E7710c838347Ae178B4a';
    const logger = createLogger();
    const handler = lambdaStack(
      () => {
        logger.info('kube client ready', { cluster: 'payments', auth: { token: secret } });
        return Promise.resolve();
      },
      { logger, eventSchema: ScheduledEvent },
    );

    // Act
    await handler(scheduledEvent, lambdaContext);

    // Assess
    expect(logs.raw()).not.toContain(secret);
    expect(logs.lines()).toContainEqual(expect.objectContaining({ auth: { token: '[redacted]' } }));
  });

  it('adds correlation keys from the parsed event to every line of the invocation, and drops them afterwards', async () => {
    // Prepare
    const logs = captureLogLines();
    const logger = createLogger();
    const handler = lambdaStack(
      () => {
        logger.info('reconciling');
        return Promise.resolve();
      },
      { logger, eventSchema: AlarmEvent, correlationKeys: (event) => ({ alarm: event.detail.alarmName, cluster: undefined }) },
    );

    // Act
    await handler({ detail: { alarmName: 'payments-5xx', state: { value: 'ALARM' } } }, lambdaContext);
    logger.info('between invocations');

    // Assess
    const [during, after] = logs.lines();
    expect(during).toMatchObject({ message: 'reconciling', alarm: 'payments-5xx' });
    expect(during).not.toHaveProperty('cluster');
    expect(after).toMatchObject({ message: 'between invocations' });
    expect(after).not.toHaveProperty('alarm');
  });

  it('logs an error once even when a function adds a second error logger', async () => {
    // Prepare
    const logs = captureLogLines();
    const logger = createLogger();
    const handler = lambdaStack(() => Promise.reject(new Error('boom')), { logger, eventSchema: ScheduledEvent }).use(
      logErrors({ logger, message: 'webhook failed' }),
    );

    // Act
    await handler(scheduledEvent, lambdaContext).catch(() => undefined);

    // Assess
    expect(errorLines(logs.lines())).toEqual([expect.objectContaining({ message: 'webhook failed' })]);
  });
});

describe('validateEvent', () => {
  it('lists as many issues as it is told to and counts the rest', async () => {
    // Prepare
    const handler = middy(() => Promise.resolve()).use(validateEvent(ScheduledEvent, { maxIssues: 1 }));

    // Act
    const invocation = handler({ ...scheduledEvent, version: '1', source: 'aws.ec2', detail: null }, lambdaContext);

    // Assess
    await expect(invocation).rejects.toThrow('unexpected event: version: expected 0; and 2 more');
  });
});
