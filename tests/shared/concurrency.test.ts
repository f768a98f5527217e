import { mapBounded } from '../../shared/concurrency';

describe('mapBounded', () => {
  it('keeps input order and never runs more than the limit at once', async () => {
    // Prepare
    let running = 0;
    let peak = 0;
    const delays = [30, 5, 20, 1, 10, 2];

    // Act
    const results = await mapBounded(delays, 2, async (delay, index) => {
      running += 1;
      peak = Math.max(peak, running);
      await new Promise((resolve) => setTimeout(resolve, delay));
      running -= 1;
      return `${index}:${delay}`;
    });

    // Assess
    expect(results).toEqual(['0:30', '1:5', '2:20', '3:1', '4:10', '5:2']);
    expect(peak).toBe(2);
  });

  it('answers an empty list for no items', async () => {
    await expect(mapBounded([], 4, () => Promise.resolve(1))).resolves.toEqual([]);
  });
});
