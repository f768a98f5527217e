/** The logging capability deploy's orchestration needs: the Powertools logger is one, tests pass a recorder. */
export interface RunLogger {
  info(message: string, facts: Record<string, unknown>): void;
  warn(message: string, facts: Record<string, unknown>): void;
  error(message: string, facts: Record<string, unknown>): void;
}
