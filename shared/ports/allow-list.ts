/**
 * Where eip-manager publishes each pool's addresses (an allow list a firewall reads). The SSM adapter
 * is shared/adapters/aws/ssm-allow-list.ts; it raises `UpstreamError` (shared/errors.ts) when the
 * store cannot be read or written.
 */

/**
 * A parameter store of allow lists. Nothing written yet reads as `null`.
 *
 * @example
 * const current = await store.read('/eks-pilot/prod/sa-east-1/financial-move/eip-pools/egress'); // null when never written
 * await store.write('/eks-pilot/prod/sa-east-1/financial-move/eip-pools/egress', allowListValue(addresses));
 */
export interface AllowListStore {
  read(name: string): Promise<string | null>;
  write(name: string, value: string): Promise<void>;
}
