import { RequestRejectedError, ResourceBusyError, ThrottledError, UpstreamError } from '../../../shared/errors';
import { KubernetesConflictError } from '../../../shared/ports/kubernetes-errors';
import type { Action, TargetId } from '../../../shared/model/plan/plan';
import type { Classification, ExecuteHooks, Failure, Phrases } from '../../../shared/reconcile/execute';
import { classifyFailure, executePlan } from '../../../shared/reconcile/execute';

/** A plan action of the test: `Op` starts an operation (it does not settle), `Tag` is done when it answers. */
type TestAction = Action<'Op' | 'Tag' | 'Wait' | 'Refuse' | 'Note'> & { selected?: boolean };
type TestWrite = TestAction & { kind: 'Op' | 'Tag' };

const PHRASES: Phrases = {
  busy: () => 'busy',
  throttled: () => ({ reason: 'throttled', stop: 'the service throttled' }),
  unavailable: () => ({ reason: 'no answer', stop: 'the service did not answer' }),
  notSent: (stop) => `not sent: ${stop}`,
  logMessage: (kind) => `write ${kind}`,
};

const fiveHundred = (): UpstreamError =>
  new UpstreamError('UpdateNodegroupConfig failed: ServiceUnavailable', {
    cause: Object.assign(new Error('unavailable'), { name: 'ServiceUnavailable', $metadata: { httpStatusCode: 503 } }),
  });
const conflict = (): KubernetesConflictError =>
  new KubernetesConflictError('the object changed (409)', { context: { cluster: 'kianax', method: 'PATCH', path: '/apis/autoscaling/v2/x', status: 409 } });

/** `Op nodegroup/a after cluster/c`, as a plan action. */
function act(kind: TestAction['kind'], id: TargetId, extra: Partial<TestAction> = {}): TestAction {
  const [targetKind = '', name = ''] = id.split('/');
  return {
    kind,
    classification: kind === 'Refuse' ? 'forbidden' : kind === 'Wait' || kind === 'Note' ? 'no-op' : 'update',
    target: { kind: targetKind, name },
    reason: `${kind} ${id}`,
    changes: [],
    ...extra,
  };
}

/** Runs `actions` against a service whose answers `answer` scripts; what happened, as lines a person reads. */
async function run(
  actions: readonly TestAction[],
  answer: (action: TestWrite) => unknown = () => undefined,
  overrides: Partial<ExecuteHooks<TestAction, TestWrite, unknown>> = {},
) {
  const lines: string[] = [];
  const logs: string[] = [];
  const failures: Failure['kind'][] = [];
  const record = (level: string) => (message: string) => logs.push(`${level} ${message}`);
  const summary = await executePlan<TestAction, TestWrite, unknown>(actions, {
    isWrite: (action): action is TestWrite => action.kind === 'Op' || action.kind === 'Tag',
    stance: (action) => (action.kind === 'Wait' ? 'wait' : action.kind === 'Refuse' ? 'refuse' : 'note'),
    send: (action) => {
      const outcome = answer(action);
      return outcome instanceof Error ? Promise.reject(outcome) : Promise.resolve(outcome);
    },
    settles: (action) => action.kind === 'Tag',
    selected: (action) => action.selected !== false,
    phrases: PHRASES,
    logger: { info: record('info'), warn: record('warn'), error: record('error') },
    facts: () => ({ cluster: 'kianax' }),
    onDone: (action, result) => lines.push(`sent ${action.reason}${result === 'already-done' ? ' (already done)' : ''}`),
    onDeferred: (action, reason) => lines.push(`later ${action.reason}: ${reason}`),
    onBlocked: (action, reason) => lines.push(`blocked ${action.reason}: ${reason}`),
    onFailed: (_action, _error, failure) => failures.push(failure.kind),
    ...overrides,
  });
  return { lines, logs, failures, summary };
}

describe('classifyFailure', () => {
  it.each<[string, unknown, Failure['kind'] | undefined]>([
    ['EKS busy (ResourceInUseException)', new ResourceBusyError('UpdateClusterConfig: ResourceInUseException'), 'busy'],
    ['a Kubernetes 409', conflict(), 'busy'],
    ['a throttle past the SDK retries', new ThrottledError("UpdateNodegroupConfig throttled after the SDK's retries"), 'throttled'],
    ['a 5xx past the SDK retries', fiveHundred(), 'unavailable'],
    ['the network', new UpstreamError('AssociateAddress failed', { cause: Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' }) }), 'unavailable'],
    ['a refusal', new RequestRejectedError('UpdateNodegroupVersion rejected: not valid for 1.33'), 'rejected'],
    ['any other answer of the service', new UpstreamError('CreateTags failed: UnauthorizedOperation'), 'rejected'],
    ['a bug of ours', new TypeError('cannot read properties of undefined'), undefined],
  ])('classifies %s as %s', (_label, error, kind) => {
    expect(classifyFailure(error, PHRASES)?.kind).toBe(kind);
  });

  it('words each failure with the phrases of the function, and a stop names why the run stopped', () => {
    expect(classifyFailure(new ThrottledError('x throttled'), PHRASES)).toEqual({ kind: 'throttled', reason: 'throttled', stop: 'the service throttled' });
    expect(classifyFailure(fiveHundred(), PHRASES)).toEqual({ kind: 'unavailable', reason: 'no answer', stop: 'the service did not answer' });
    expect(classifyFailure(new RequestRejectedError('minSize > maxSize'), PHRASES)).toEqual({ kind: 'rejected', reason: 'minSize > maxSize' });
  });
});

describe('executePlan ordering', () => {
  it.each<[string, TestAction[], string[]]>([
    ['sends a plan without dependencies in order', [act('Op', 'cluster/c'), act('Tag', 'nodegroup/a')], ['sent Op cluster/c', 'sent Tag nodegroup/a']],
    [
      'waits on a target whose write stands later in the plan',
      [act('Tag', 'addon/x', { after: ['cluster/c'] }), act('Op', 'cluster/c')],
      ['later Tag addon/x: waits for cluster/c', 'sent Op cluster/c'],
    ],
    [
      'waits on a target with a Wait anywhere in the plan',
      [act('Tag', 'addon/x', { after: ['cluster/c'] }), act('Wait', 'cluster/c')],
      ['later Tag addon/x: waits for cluster/c'],
    ],
    [
      'waits on an operation this run started',
      [act('Op', 'cluster/c'), act('Op', 'nodegroup/a', { after: ['cluster/c'] })],
      ['sent Op cluster/c', 'later Op nodegroup/a: waits for cluster/c'],
    ],
    [
      'goes on after a target whose writes all settled',
      [act('Tag', 'cluster/c'), act('Tag', 'nodegroup/a', { after: ['cluster/c'] })],
      ['sent Tag cluster/c', 'sent Tag nodegroup/a'],
    ],
    [
      'keeps one in-flight operation per target',
      [act('Op', 'nodegroup/a'), act('Tag', 'nodegroup/a'), act('Op', 'nodegroup/a')],
      ['sent Op nodegroup/a', 'later Tag nodegroup/a: waits for nodegroup/a', 'later Op nodegroup/a: waits for nodegroup/a'],
    ],
    [
      'lets a write that settled be followed on its own target, `after` it',
      [act('Tag', 'nodegroup/a'), act('Tag', 'nodegroup/a', { after: ['nodegroup/a'] })],
      ['sent Tag nodegroup/a', 'sent Tag nodegroup/a'],
    ],
    [
      'holds a target from its Wait on, not before it',
      [act('Tag', 'nodegroup/a'), act('Wait', 'nodegroup/a'), act('Op', 'nodegroup/a')],
      ['sent Tag nodegroup/a', 'later Op nodegroup/a: waits for nodegroup/a'],
    ],
    [
      'blocks a refused target and every write of it',
      [act('Refuse', 'cluster/c'), act('Tag', 'cluster/c')],
      ['blocked Refuse cluster/c: Refuse cluster/c', 'later Tag cluster/c: waits for cluster/c'],
    ],
    ['sends nothing for a note', [act('Note', 'eip-pool/egress'), act('Tag', 'eip-pool/egress')], ['sent Tag eip-pool/egress']],
    [
      'leaves an unselected write unreported, and pending for what comes after it',
      [act('Op', 'nodegroup/a', { selected: false }), act('Tag', 'addon/x', { after: ['nodegroup/a'] }), act('Tag', 'addon/y')],
      ['later Tag addon/x: waits for nodegroup/a', 'sent Tag addon/y'],
    ],
  ])('%s', async (_label, actions, lines) => {
    // Act
    const result = await run(actions);

    // Assess
    expect(result.lines).toEqual(lines);
  });

  it('lists a Wait among the deferred actions when the function reports waits', async () => {
    // Act
    const result = await run([act('Wait', 'nodegroup/a'), act('Tag', 'hpa/x', { after: ['nodegroup/a'] })], undefined, { reportWaits: true });

    // Assess
    expect(result.lines).toEqual(['later Wait nodegroup/a: Wait nodegroup/a', 'later Tag hpa/x: waits for nodegroup/a']);
  });
});

describe('executePlan failures', () => {
  it.each<[string, unknown, string[], Failure['kind'], string | undefined]>([
    [
      'a throttle stops the run and lists every write left for the next one',
      new ThrottledError('Op throttled'),
      ['later Op nodegroup/a: throttled', 'later Tag nodegroup/b: not sent: the service throttled', 'later Op nodegroup/c: not sent: the service throttled'],
      'throttled',
      'the service throttled',
    ],
    [
      'no answer stops the run the same way',
      fiveHundred(),
      [
        'later Op nodegroup/a: no answer',
        'later Tag nodegroup/b: not sent: the service did not answer',
        'later Op nodegroup/c: not sent: the service did not answer',
      ],
      'unavailable',
      'the service did not answer',
    ],
    [
      'a busy target is left for a later run and the others go on',
      new ResourceBusyError('ResourceInUseException'),
      ['later Op nodegroup/a: busy', 'sent Tag nodegroup/b', 'sent Op nodegroup/c'],
      'busy',
      undefined,
    ],
    [
      'a rejected write blocks its target and the others go on',
      new RequestRejectedError('minSize > maxSize'),
      ['blocked Op nodegroup/a: minSize > maxSize', 'sent Tag nodegroup/b', 'sent Op nodegroup/c'],
      'rejected',
      undefined,
    ],
  ])('%s', async (_label, error, lines, kind, stopped) => {
    // Prepare
    const actions = [act('Op', 'nodegroup/a'), act('Tag', 'nodegroup/b'), act('Op', 'nodegroup/c')];

    // Act
    const result = await run(actions, (action) => (action.reason === 'Op nodegroup/a' ? error : undefined));

    // Assess
    expect(result.lines).toEqual(lines);
    expect(result.failures).toEqual([kind]);
    expect(result.summary.stopped).toBe(stopped);
    expect(result.logs).toEqual([`${kind === 'rejected' ? 'error' : 'warn'} write ${kind}`]);
  });

  it('sends nothing more to a target whose write failed, and waits on it', async () => {
    // Act
    const result = await run([act('Op', 'nodegroup/a'), act('Op', 'nodegroup/a'), act('Tag', 'hpa/x', { after: ['nodegroup/a'] })], (action) =>
      action.kind === 'Op' ? conflict() : undefined,
    );

    // Assess
    expect(result.lines).toEqual(['later Op nodegroup/a: busy', 'later Op nodegroup/a: waits for nodegroup/a', 'later Tag hpa/x: waits for nodegroup/a']);
  });

  it('throws on an error no classification covers', async () => {
    await expect(run([act('Op', 'cluster/c')], () => new TypeError('a bug'))).rejects.toThrow('a bug');
  });

  it('asks the function first, so a failure only it knows gets the shared meaning it chooses', async () => {
    // Prepare
    class LeaseLost extends Error {}
    const classify = (error: unknown): Classification | undefined =>
      error instanceof LeaseLost ? { kind: 'unavailable', reason: 'lease lost', stop: 'the lease was lost' } : undefined;

    // Act
    const result = await run(
      [act('Tag', 'eip-pool/a'), act('Tag', 'eip-pool/b')],
      (action) => (action.reason === 'Tag eip-pool/a' ? new LeaseLost('taken over') : undefined),
      { classify },
    );

    // Assess
    expect(result.lines).toEqual(['later Tag eip-pool/a: lease lost', 'later Tag eip-pool/b: not sent: the lease was lost']);
  });
});

describe('executePlan across runs', () => {
  /** A service whose state is a set of applied changes: a change applied again is answered "already so". */
  class Service {
    readonly applied: string[] = [];
    throttleNext = 0;
    calls = 0;
    async apply(action: TestWrite): Promise<{ alreadyDone: boolean }> {
      this.calls += 1;
      // Each call answers on a later tick, so runs interleave.
      await new Promise((resolve) => setImmediate(resolve));
      if (this.throttleNext > 0) {
        this.throttleNext -= 1;
        throw new ThrottledError(`${action.kind} throttled`);
      }
      if (this.applied.includes(action.reason)) throw new AlreadyDone(action.reason);
      this.applied.push(action.reason);
      return { alreadyDone: false };
    }
  }
  class AlreadyDone extends Error {}
  const alreadyDone = (error: unknown): Classification | undefined => (error instanceof AlreadyDone ? { kind: 'already-done' } : undefined);
  const plan = [act('Tag', 'nodegroup/a'), act('Tag', 'nodegroup/b'), act('Tag', 'hpa/x', { after: ['nodegroup/a', 'nodegroup/b'] })];

  async function runAgainst(service: Service) {
    return run(plan, () => undefined, { send: (action) => service.apply(action), classify: alreadyDone });
  }

  it('counts an already-done answer as success when two runs of the same plan interleave', async () => {
    // Prepare
    const service = new Service();

    // Act
    const [first, second] = await Promise.all([runAgainst(service), runAgainst(service)]);

    // Assess
    expect(service.applied).toEqual(['Tag nodegroup/a', 'Tag nodegroup/b', 'Tag hpa/x']);
    expect(first.lines).toEqual(['sent Tag nodegroup/a', 'sent Tag nodegroup/b', 'sent Tag hpa/x']);
    expect(second.lines).toEqual(['sent Tag nodegroup/a (already done)', 'sent Tag nodegroup/b (already done)', 'sent Tag hpa/x (already done)']);
  });

  it('leaves what a throttle stopped to the next run, which finishes it without doing anything twice', async () => {
    // Prepare
    const service = new Service();
    service.throttleNext = 1;
    const first = await runAgainst(service);

    // Act
    const second = await runAgainst(service);
    const third = await runAgainst(service);

    // Assess
    expect(first.lines).toEqual([
      'later Tag nodegroup/a: throttled',
      'later Tag nodegroup/b: not sent: the service throttled',
      'later Tag hpa/x: not sent: the service throttled',
    ]);
    expect(second.lines).toEqual(['sent Tag nodegroup/a', 'sent Tag nodegroup/b', 'sent Tag hpa/x']);
    expect(third.lines).toEqual(['sent Tag nodegroup/a (already done)', 'sent Tag nodegroup/b (already done)', 'sent Tag hpa/x (already done)']);
    expect(service.applied).toEqual(['Tag nodegroup/a', 'Tag nodegroup/b', 'Tag hpa/x']);
  });
});
