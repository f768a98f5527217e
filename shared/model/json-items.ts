/**
 * Stored lists read back defensively: a release history, a rebuild's view of it. Text that is not a
 * JSON array reads as empty, and an item the schema refuses is skipped, so one damaged entry never
 * hides the others.
 */

/** What reading needs of a schema: zod's and zod/mini's `safeParse`. */
export interface ItemSchema<T> {
  safeParse(item: unknown): { success: true; data: T } | { success: false };
}

/**
 * The items of a JSON array text that `schema` accepts, in order.
 *
 * @example
 * validItems('[{"revision":1},{"revision":"x"}]', z.object({ revision: z.number() })); // [{ revision: 1 }]
 * validItems('not json', schema); // []
 */
export function validItems<T>(text: string | undefined, schema: ItemSchema<T>): T[] {
  if (text === undefined) return [];
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return [];
  }
  if (!Array.isArray(parsed)) return [];
  return parsed.flatMap((item: unknown) => {
    const checked = schema.safeParse(item);
    return checked.success ? [checked.data] : [];
  });
}
