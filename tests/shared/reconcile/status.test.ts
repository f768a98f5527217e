import { RequestRejectedError, ResourceBusyError, ThrottledError, UpstreamError } from '../../../shared/errors';
import type { Status } from '../../../shared/reconcile/status';
import { statusOfFailure, worstStatus } from '../../../shared/reconcile/status';
import { specPathsFrom } from '../../../shared/model/cluster-spec/paths';

describe('the status vocabulary', () => {
  it.each<[string, Status[], Status]>([
    ['nothing', [], 'Converged'],
    ['all converged', ['Converged', 'Converged'], 'Converged'],
    ['drift beside convergence', ['Converged', 'Drifted'], 'Drifted'],
    ['work under way beside drift', ['Drifted', 'InProgress', 'Converged'], 'InProgress'],
    ['a block beside everything else', ['InProgress', 'Blocked', 'Drifted', 'Converged'], 'Blocked'],
  ])('reads a whole as the worst of its parts: %s', (_label, parts, whole) => {
    expect(worstStatus(parts)).toBe(whole);
  });

  it.each<[string, unknown, Status]>([
    ['a throttle', new ThrottledError('DescribeCluster throttled'), 'InProgress'],
    ['EKS busy', new ResourceBusyError('UpdateClusterConfig: ResourceInUseException'), 'InProgress'],
    [
      'a 5xx',
      new UpstreamError('DescribeAddresses failed', {
        cause: Object.assign(new Error('unavailable'), { name: 'ServiceUnavailable', $metadata: { httpStatusCode: 503 } }),
      }),
      'InProgress',
    ],
    ['a refusal', new RequestRejectedError('UpdateNodegroupConfig rejected: minSize > maxSize'), 'Blocked'],
    ['a bug', new TypeError('x is undefined'), 'Blocked'],
  ])('reports a run that failed on %s as %s', (_label, error, status) => {
    expect(statusOfFailure(error)).toBe(status);
  });
});

describe('specPathsFrom', () => {
  it.each<[string, string | undefined, readonly string[] | undefined, string[]]>([
    ['an unset setting, the packaged folder', undefined, undefined, ['specs']],
    ['an unset setting, the fallback given', undefined, [], []],
    ['one path', 'specs/kianax.yaml', undefined, ['specs/kianax.yaml']],
    ['a list with blanks and empty entries', ' specs/a.yaml, specs/b ,,', undefined, ['specs/a.yaml', 'specs/b']],
    ['an empty setting, no path (not the fallback)', '', undefined, []],
  ])('reads %s', (_label, setting, fallback, paths) => {
    expect(specPathsFrom(setting, fallback)).toEqual(paths);
  });
});
