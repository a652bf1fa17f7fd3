/**
 * JSON with object keys sorted at every level, so equal values always give equal text (and equal
 * hashes): the handler hashes it, the runner compares property sets with it. Array order is kept.
 * It imports nothing from aws-cdk-lib: the handler bundles it.
 */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(value, (_key, item: unknown) => {
    if (item === null || typeof item !== 'object' || Array.isArray(item)) {
      return item;
    }
    const entries = Object.entries(item as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return Object.fromEntries(entries);
  });
}
