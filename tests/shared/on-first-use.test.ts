/**
 * onFirstUse (shared/on-first-use.ts): the load runs on the first call, once, and a load that
 * throws is not remembered, so the next call tries again.
 */
import { onFirstUse } from '../../shared/on-first-use';

describe('onFirstUse', () => {
  it('runs nothing until the first call, then loads once', () => {
    // Arrange
    const load = jest.fn(() => ({ engine: 'loaded' }));

    // Act
    const engine = onFirstUse(load);
    const before = load.mock.calls.length;
    const first = engine();
    const second = engine();

    // Assess
    expect(before).toBe(0);
    expect(first).toEqual({ engine: 'loaded' });
    expect(second).toBe(first);
    expect(load).toHaveBeenCalledTimes(1);
  });

  it('keeps a loaded value that is undefined rather than loading again', () => {
    // Arrange
    const load = jest.fn((): undefined => undefined);
    const engine = onFirstUse(load);

    // Act
    engine();
    engine();

    // Assess
    expect(load).toHaveBeenCalledTimes(1);
  });

  it('tries again after a load that threw', () => {
    // Arrange
    const load = jest
      .fn<string, []>()
      .mockImplementationOnce(() => {
        throw new Error('Cannot find module');
      })
      .mockReturnValue('loaded');
    const engine = onFirstUse(load);

    // Act
    const failed = () => engine();

    // Assess
    expect(failed).toThrow('Cannot find module');
    expect(engine()).toBe('loaded');
    expect(load).toHaveBeenCalledTimes(2);
  });
});
