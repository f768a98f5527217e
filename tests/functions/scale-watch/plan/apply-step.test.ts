import { applyStep } from '../../../../functions/scale-watch/plan';
import type { StepSpec } from '../../../../shared/model/cluster-spec/scaling';

describe('applyStep', () => {
  it.each<{ value: number; step: StepSpec; expected: number }>([
    { value: 5, step: { add: 2, ceiling: 10 }, expected: 7 },
    { value: 9, step: { add: 2, ceiling: 10 }, expected: 10 },
    { value: 10, step: { add: 2, ceiling: 10 }, expected: 10 },
    { value: 12, step: { add: 2, ceiling: 10 }, expected: 12 },
    { value: 10, step: { multiply: 1.5, ceiling: 40 }, expected: 15 },
    { value: 10, step: { multiply: 1.1, ceiling: 40 }, expected: 11 },
    { value: 1, step: { multiply: 1.2, ceiling: 40 }, expected: 2 },
    { value: 0, step: { multiply: 2, ceiling: 3 }, expected: 1 },
    { value: 8, step: { add: -3, floor: 6 }, expected: 6 },
    { value: 8, step: { multiply: 0.5, floor: 1 }, expected: 4 },
    { value: 3, step: { multiply: 0.9, floor: 1 }, expected: 2 },
  ])('moves $value by $step to $expected', ({ value, step: move, expected }) => {
    // Act
    const result = applyStep(value, move);

    // Assess
    expect(result).toBe(expected);
  });
});
