/**
 * The rebuild's invokes of the stack's other functions, at the SDK level. Shapes from the AWS
 * Lambda API Reference, Invoke: a RequestResponse invoke answers StatusCode 200 and the function's
 * payload; a function error sets `FunctionError` ("Unhandled") with the error object as payload.
 * deploy-worker answers a manual invoke's error as `{"error": {...}}` (shared/lambda/middleware.ts).
 */
import type { InvokeCommandOutput } from '@aws-sdk/client-lambda';
import { InvokeCommand, LambdaClient } from '@aws-sdk/client-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import 'aws-sdk-client-mock-jest';
import { LambdaPlatform } from '../../../../shared/adapters/aws/lambda-invoke';
import { isTransient, UpstreamError } from '../../../../shared/errors';
import { rejectionOf } from '../../../../testing/rejection';

const lambdaMock = mockClient(LambdaClient);
const FUNCTION = 'eks-pilot-dev-deploy-worker';
// The SDK hands back a Uint8Array with string helpers; the adapter only decodes the bytes.
const payload = (value: unknown) => new TextEncoder().encode(JSON.stringify(value)) as InvokeCommandOutput['Payload'];

beforeEach(() => {
  lambdaMock.reset();
});

describe('LambdaPlatform', () => {
  it("asks deploy-worker to apply the cluster's platform and waits for its report", async () => {
    // Prepare
    lambdaMock.on(InvokeCommand).resolves({
      StatusCode: 200,
      Payload: payload({
        action: 'platform',
        reports: [{ cluster: 'financial-move', status: 'Converged', applied: ['Namespace prod', 'ClusterRole node-reader'] }],
      }),
    });
    const platform = new LambdaPlatform(new LambdaClient({ region: 'sa-east-1' }), FUNCTION);

    // Act
    const answer = await platform.apply('financial-move');

    // Assess
    expect(answer).toEqual({ status: 'Converged', summary: '2 object(s) applied' });
    expect(lambdaMock).toHaveReceivedCommandWith(InvokeCommand, { FunctionName: FUNCTION, InvocationType: 'RequestResponse' });
    const sent = lambdaMock.commandCalls(InvokeCommand)[0]?.args[0].input.Payload;
    expect(JSON.parse(new TextDecoder().decode(sent as Uint8Array))).toEqual({ action: 'platform', cluster: 'financial-move' });
  });

  it('answers a refused platform as Blocked with the reason deploy-worker gave', async () => {
    // Prepare
    const reason = 'no object applied (a platform applies whole or not at all): component node-reader: image registry.k8s.io/node-reader is not pinned';
    lambdaMock.on(InvokeCommand).resolves({
      StatusCode: 200,
      Payload: payload({ action: 'platform', reports: [{ cluster: 'financial-move', status: 'Blocked', applied: [], reason }] }),
    });
    const platform = new LambdaPlatform(new LambdaClient({ region: 'sa-east-1' }), FUNCTION);

    // Act
    const answer = await platform.apply('financial-move');

    // Assess
    expect(answer).toEqual({ status: 'Blocked', summary: reason });
  });

  it('raises an error naming the cluster when deploy-worker knows no platform for it', async () => {
    // Prepare
    lambdaMock.on(InvokeCommand).resolves({ StatusCode: 200, Payload: payload({ action: 'platform', reports: [] }) });
    const platform = new LambdaPlatform(new LambdaClient({ region: 'sa-east-1' }), FUNCTION);

    // Act
    const error = await rejectionOf(platform.apply('financial-move'));

    // Assess
    expect(error).toBeInstanceOf(UpstreamError);
    expect(error.message).toBe(`${FUNCTION} answered no platform for cluster financial-move: do its specs (EKS_PILOT_SPECS) give it one?`);
  });

  it("raises deploy-worker's own error message, retryable when it says so", async () => {
    // Prepare
    lambdaMock.on(InvokeCommand).resolves({
      StatusCode: 200,
      Payload: payload({ error: { name: 'ThrottledError', message: 'the Kubernetes API throttled the apply', retryable: true } }),
    });
    const platform = new LambdaPlatform(new LambdaClient({ region: 'sa-east-1' }), FUNCTION);

    // Act
    const error = await rejectionOf(platform.apply('financial-move'));

    // Assess
    expect(error.message).toBe(`${FUNCTION} answered an error: the Kubernetes API throttled the apply`);
    expect(isTransient(error)).toBe(true);
  });

  it('raises a run that timed out as retryable, so the next run tries again', async () => {
    // Prepare
    lambdaMock.on(InvokeCommand).resolves({
      StatusCode: 200,
      FunctionError: 'Unhandled',
      Payload: payload({ errorType: 'Sandbox.Timedout', errorMessage: 'RequestId: 2f1c Error: Task timed out after 300.00 seconds' }),
    });
    const platform = new LambdaPlatform(new LambdaClient({ region: 'sa-east-1' }), FUNCTION);

    // Act
    const error = await rejectionOf(platform.apply('financial-move'));

    // Assess
    expect(error.message).toBe(`${FUNCTION} failed (Unhandled): RequestId: 2f1c Error: Task timed out after 300.00 seconds`);
    expect(isTransient(error)).toBe(true);
  });

  it('raises any other unhandled function error with its message, not retryable', async () => {
    // Prepare
    lambdaMock.on(InvokeCommand).resolves({
      StatusCode: 200,
      FunctionError: 'Unhandled',
      Payload: payload({ errorType: 'TypeError', errorMessage: "Cannot read properties of undefined (reading 'spec')" }),
    });
    const platform = new LambdaPlatform(new LambdaClient({ region: 'sa-east-1' }), FUNCTION);

    // Act
    const error = await rejectionOf(platform.apply('financial-move'));

    // Assess
    expect(error.message).toBe(`${FUNCTION} failed (Unhandled): Cannot read properties of undefined (reading 'spec')`);
    expect(isTransient(error)).toBe(false);
  });
});
