/**
 * The logging capability the orchestration of every function needs: the Powertools logger is one,
 * the CLI passes a quiet one, tests pass a recorder. Facts, never prose: `logger.info('elastic IP
 * associated', { allocationId, instanceId })`.
 */
export interface RunLogger {
  info(message: string, facts: Record<string, unknown>): void;
  warn(message: string, facts: Record<string, unknown>): void;
  error(message: string, facts: Record<string, unknown>): void;
}
