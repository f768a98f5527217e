import { lazily } from '../../../shared/lambda/lazy';

describe('lazily', () => {
  it('loads nothing until the first call, then once for every call', async () => {
    // Prepare
    let loads = 0;
    const adapter = lazily(() => {
      loads += 1;
      return Promise.resolve({ name: 'sns' });
    });
    const before = loads;

    // Act
    const [first, second] = await Promise.all([adapter(), adapter()]);
    const third = await adapter();

    // Assess
    expect(before).toBe(0);
    expect(loads).toBe(1);
    expect(second).toBe(first);
    expect(third).toBe(first);
  });

  it('forgets a failed load, so the next call tries again', async () => {
    // Prepare
    let loads = 0;
    const adapter = lazily(() => {
      loads += 1;
      return loads === 1 ? Promise.reject(new Error('module failed to load')) : Promise.resolve('loaded');
    });

    // Act
    const failed = await adapter().catch((error: unknown) => (error instanceof Error ? error.message : 'not an Error'));
    const retried = await adapter();

    // Assess
    expect(failed).toBe('module failed to load');
    expect(retried).toBe('loaded');
    expect(loads).toBe(2);
  });
});
