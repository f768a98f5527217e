/**
 * Adapters built on first use. A handler's `import()` of an adapter module is still bundled by
 * esbuild, but the module (and the SDK client it imports) is evaluated only when the feature is
 * used, not at every cold start: SNS and SSM for opt-in notifications stay out of the start-up.
 */

/**
 * Runs `load` once, on the first call, and answers its promise to every call after; a failed load
 * is forgotten, so the next call tries again.
 *
 * @example
 * const sns = lazily(async () => (await import('../../shared/aws/sns')).createSnsNotifier({ topicArn }));
 * await (await sns()).publish('subject', 'message');
 */
export function lazily<T>(load: () => Promise<T>): () => Promise<T> {
  let loaded: Promise<T> | undefined;
  return () => {
    if (loaded === undefined) {
      const attempt = load();
      loaded = attempt;
      attempt.catch(() => {
        if (loaded === attempt) loaded = undefined;
      });
    }
    return loaded;
  };
}
