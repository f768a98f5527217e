/**
 * Who the caller is, as AWS knows it: recorded with an approval, a rejection or a forced release
 * the CLI sends to deploy-worker.
 */
export interface CallerIdentityPort {
  /**
   * The caller's ARN (STS GetCallerIdentity's `Arn`: an IAM user, or an assumed-role session such
   * as `arn:aws:sts::123456789012:assumed-role/ops/ana`).
   */
  callerArn(region: string): Promise<string>;
}
