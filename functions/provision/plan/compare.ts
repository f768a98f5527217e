/**
 * The comparisons provision's plan makes: values, sets ignoring order, and JSON-like values, so a
 * list EKS returns in another order never shows as drift.
 */
import type { Change } from '../../../shared/model/plan/plan';

/**
 * The change of one field, or none when both sides are equal.
 *
 * @example
 * diffValue('version', '1.30', '1.31'); // [{ field: 'version', from: '1.30', to: '1.31' }]
 */
export function diffValue<T>(field: string, from: T | undefined, to: T | undefined): Change[] {
  return from === to ? [] : [{ field, from, to }];
}

/**
 * The change of a field that holds a set, or none when both hold the same items in any order;
 * both sides are shown sorted.
 *
 * @example
 * diffSet('vpc.subnetIds', ['subnet-b', 'subnet-a'], ['subnet-a', 'subnet-b']); // []
 */
export function diffSet(field: string, from: readonly string[] | undefined, to: readonly string[]): Change[] {
  return sameSet(from, to) ? [] : [{ field, from: [...(from ?? [])].sort(), to: [...to].sort() }];
}

/**
 * Whether two lists hold the same items, ignoring order and repeats; undefined holds none.
 *
 * @example
 * sameSet(['a', 'b'], ['b', 'a']); // true
 */
export function sameSet(a: readonly string[] | undefined, b: readonly string[] | undefined): boolean {
  const left = new Set(a ?? []);
  const right = new Set(b ?? []);
  return left.size === right.size && [...left].every((item) => right.has(item));
}

/**
 * The record with its keys in order, so a printed change reads the same on every run.
 *
 * @example
 * sortedRecord({ tier: 'web', role: 'api' }); // { role: 'api', tier: 'web' }
 */
export function sortedRecord(record: Readonly<Record<string, string>>): Record<string, string> {
  return Object.fromEntries(Object.entries(record).sort(([a], [b]) => a.localeCompare(b)));
}

/**
 * Structural equality of JSON-like values; the order of object keys does not matter, that of
 * array items does.
 *
 * @example
 * deepEqual({ env: { A: '1' } }, { env: { A: '1' } }); // true
 */
export function deepEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  const keysA = Object.keys(a);
  const keysB = Object.keys(b);
  return keysA.length === keysB.length && keysA.every((key) => deepEqual((a as Record<string, unknown>)[key], (b as Record<string, unknown>)[key]));
}
