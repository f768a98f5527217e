/** What one captured log line parsed to. */
export type LogLine = Record<string, unknown>;

/** The log output captured by {@link captureLogLines}. */
export interface CapturedLogs {
  /** Everything written to stdout and stderr, in order. */
  readonly raw: () => string;
  /** One parsed object per line; throws if any line is not JSON, which is itself a failure. */
  readonly lines: () => LogLine[];
}

/**
 * Captures what the Powertools logger prints, without printing it. The logger writes through its
 * own `new Console({ stdout: process.stdout, stderr: process.stderr })`, which looks up
 * `stream.write` at each call, so spying on the two streams sees exactly what Lambda would ship to
 * CloudWatch (one JSON object per line; `POWERTOOLS_DEV` would pretty-print instead).
 * Jest restores the spies with `jest.restoreAllMocks()`.
 *
 * @example
 * const logs = captureLogLines();
 * logger.info('hello');
 * expect(logs.lines()).toEqual([expect.objectContaining({ message: 'hello' })]);
 */
export function captureLogLines(): CapturedLogs {
  const chunks: string[] = [];
  const record = (chunk: string | Uint8Array): boolean => {
    chunks.push(typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8'));
    return true;
  };
  jest.spyOn(process.stdout, 'write').mockImplementation(record);
  jest.spyOn(process.stderr, 'write').mockImplementation(record);
  const raw = (): string => chunks.join('');
  return {
    raw,
    lines: () =>
      raw()
        .split('\n')
        .filter((line) => line !== '')
        .map((line) => JSON.parse(line) as LogLine),
  };
}
