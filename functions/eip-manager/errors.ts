import { UpstreamError } from '../../shared/errors';

/** What a {@link PoolQuotaError} carries. */
export interface PoolQuotaContext {
  cluster: string;
  region: string;
  pool: string;
  count: number;
  held: number;
  missing: number;
}

/**
 * A pool could not allocate what it lacks because the account's Elastic IP quota in the Region is
 * used up (`AddressLimitExceeded`). Names the pool and how many addresses are missing; the other
 * pools still reconcile. The cause is the adapter's AddressLimitExceededError.
 *
 * @example
 * new PoolQuotaError({ cluster: 'financial-move', region: 'sa-east-1', pool: 'egress', count: 2, held: 0, missing: 2 }, { cause: error });
 * // pool egress of financial-move lacks 2 of its 2 Elastic IP addresses: the Elastic IP quota in sa-east-1 is used up (AddressLimitExceeded). ...
 */
export class PoolQuotaError extends UpstreamError {
  override name = 'PoolQuotaError';

  constructor(facts: PoolQuotaContext, options: { cause?: unknown } = {}) {
    super(
      `pool ${facts.pool} of ${facts.cluster} lacks ${facts.missing} of its ${facts.count} Elastic IP addresses: ` +
        `the Elastic IP quota in ${facts.region} is used up (AddressLimitExceeded). ` +
        'Release addresses nobody uses, or ask Service Quotas for a higher "EC2-VPC Elastic IPs" quota.',
      { ...options, context: { ...facts, code: 'AddressLimitExceeded' } },
    );
  }
}
