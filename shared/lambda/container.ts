/**
 * Built once per container, per setting: composition roots read their settings every invocation
 * (so a changed environment takes effect, in tests too) but keep one client per value they use.
 */

/**
 * Memoises `build` by its key for the container's life.
 *
 * @example
 * const metricsFor = perContainer((namespace) => new Metrics({ namespace, serviceName: 'provision' }));
 * metricsFor(settings.metricsNamespace) === metricsFor(settings.metricsNamespace); // true
 */
export function perContainer<T>(build: (key: string) => T): (key: string) => T {
  const built = new Map<string, T>();
  return (key) => {
    if (built.has(key)) return built.get(key) as T;
    const value = build(key);
    built.set(key, value);
    return value;
  };
}
