/**
 * The `elasticIpPools` section of a cluster spec: named pools of Elastic IP addresses that
 * eip-manager keeps whole. A pool says how many addresses it holds, what they attach to, which
 * existing addresses it adopts, and whether it may ever release one. Like the rest of the spec,
 * every object is strict and defaults are applied here, so a plan never sees "unset".
 */
import * as z from 'zod';

export { NODE_GROUP_TAG, POOL_TAG, durationMs } from './runtime';

const poolName = z.string().regex(/^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/, 'expected a pool name: lower-case letters, digits and -, at most 63 characters');
const allocationId = z.string().regex(/^eipalloc-[0-9a-f]{8,17}$/, 'expected an allocation id, eipalloc-<8 to 17 hex digits>');
const tagKey = z
  .string()
  .min(1)
  .max(128)
  .regex(/^(?!aws:)/, 'tag keys starting with aws: are reserved by AWS');
const tagValue = z.string().max(256);
/** `30m`, `12h`, `7d`. */
const duration = z.string().regex(/^[1-9]\d{0,4}[mhd]$/, 'expected a duration such as 30m, 12h or 7d');

const nodeGroupName = z.string().regex(/^[0-9A-Za-z][A-Za-z0-9_-]{0,62}$/, 'expected a node group name from nodeGroups');

const attachTo = z
  .union([
    z.strictObject({
      nodeGroup: nodeGroupName.describe(
        'A managed node group of this spec: each running node gets one address on the primary private IP of its primary network interface (instances tagged eks:nodegroup-name and eks:cluster-name).',
      ),
    }),
    z.strictObject({
      instanceTags: z
        .record(tagKey, tagValue)
        .refine((tags) => Object.keys(tags).length > 0, 'name at least one tag')
        .describe('Running instances carrying all of these tags (self-managed or Karpenter nodes, say): one address each, on the primary network interface.'),
    }),
    z.strictObject({
      natGatewayId: z
        .string()
        .regex(/^nat-[0-9a-f]{8,17}$/, 'expected a NAT gateway id, nat-<8 to 17 hex digits>')
        .describe(
          "An existing public NAT gateway: the pool's addresses become its secondary addresses, so egress through it leaves from them. The gateway sends from its primary address too: adopt that one into the pool so it is published with the others.",
        ),
      moveFrom: z
        .strictObject({ nodeGroup: nodeGroupName.describe('The node group of this spec whose nodes hold the addresses now.') })
        .optional()
        .describe(
          "With natGatewayId, for a pool that was attachTo.nodeGroup: the pool's addresses still on this node group's nodes are taken off them (DisassociateAddress) and associated with the NAT gateway, the same addresses, once the gateway is available. Without it, an address of the pool on a node is left there. Remove it once the pool's addresses are all on the gateway.",
        ),
    }),
    z.strictObject({
      reservedFor: z
        .enum(['load-balancer'])
        .describe(
          "Held unattached for a Network Load Balancer's subnet mappings, one per subnet (the AWS Load Balancer Controller's aws-load-balancer-eip-allocations annotation). Application Load Balancers take no Elastic IPs.",
        ),
    }),
  ])
  .describe('What the addresses attach to.');

/**
 * One pool of the spec's `elasticIpPools`.
 *
 * @example
 * elasticIpPoolSchema.parse({ name: 'egress', count: 2, attachTo: { nodeGroup: 'prod-ng' } }).release; // { policy: 'never' }
 */
export const elasticIpPoolSchema = z.strictObject({
  name: poolName.describe(
    'Pool name, unique in the cluster. It is the eks-pilot/pool tag on the addresses the pool allocates and names the SSM parameter /eks-pilot/<stage>/<region>/<cluster>/eip-pools/<name> that publishes them.',
  ),
  count: z
    .number()
    .int()
    .min(1)
    .max(100)
    .describe(
      'How many addresses the pool holds. eip-manager allocates what it lacks; a pool that holds more keeps them unless its release policy allows otherwise.',
    ),
  attachTo,
  adopt: z
    .strictObject({
      tags: z.record(tagKey, tagValue).default({}).describe('Existing addresses carrying all of these tags belong to the pool. Default none.'),
      allocationIds: z.array(allocationId).default([]).describe('Existing addresses, by allocation id, that belong to the pool. Default none.'),
    })
    .default({ tags: {}, allocationIds: [] })
    .describe('Existing addresses the pool takes in (the ones partners already allow-list). eip-manager never releases an adopted address.'),
  release: z
    .strictObject({
      policy: z
        .enum(['never', 'afterUnused'])
        .default('never')
        .describe(
          'never (default): no address of the pool is ever released. afterUnused: an address the pool allocated itself, beyond count and unattached for unusedFor, is released.',
        ),
      unusedFor: duration
        .optional()
        .describe('With afterUnused: how long an address stays unattached before it may be released, e.g. 7d. Required with afterUnused.'),
    })
    .superRefine(checkRelease)
    .default({ policy: 'never' })
    .describe('When an address may be released. Releasing an address partners allow-list is an outage, so the default is never.'),
  tags: z
    .record(tagKey, tagValue)
    .default({})
    .describe('Extra AWS tags on the addresses the pool allocates (eks-pilot/cluster and eks-pilot/pool are always set).'),
});

export type ElasticIpPoolSpec = z.output<typeof elasticIpPoolSchema>;
export type PoolAttachment = ElasticIpPoolSpec['attachTo'];

function checkRelease(release: { policy: string; unusedFor?: string | undefined }, ctx: z.RefinementCtx): void {
  if (release.policy === 'afterUnused' && release.unusedFor === undefined) {
    ctx.addIssue({ code: 'custom', path: ['unusedFor'], message: 'release policy afterUnused needs unusedFor, e.g. 7d' });
  }
  if (release.policy === 'never' && release.unusedFor !== undefined) {
    ctx.addIssue({ code: 'custom', path: ['unusedFor'], message: 'unusedFor only applies to release policy afterUnused' });
  }
}

/**
 * The pool checks that need the rest of the cluster spec (unique names are checked with the other
 * lists'): a node group pool (and a NAT gateway pool's `moveFrom`) names a node group of the
 * spec, one pool per node group (a private IP holds one Elastic IP), and an allocation id adopted
 * by one pool only. Reads its input defensively (it runs after other
 * fields may have failed).
 *
 * @example
 * clusterSpecSchema.superRefine((spec, ctx) => checkElasticIpPools(spec, ctx));
 */
export function checkElasticIpPools(fields: Record<string, unknown>, ctx: z.RefinementCtx): void {
  const pools = fields.elasticIpPools;
  if (!Array.isArray(pools)) return;
  const groups = Array.isArray(fields.nodeGroups) ? fields.nodeGroups.map((group: unknown) => (group as Record<string, unknown> | null)?.name) : [];
  const firstGroup = new Map<string, number>();
  const firstAllocation = new Map<string, number>();
  pools.forEach((item: unknown, index) => {
    const pool = (item ?? {}) as Record<string, unknown>;
    const nodeGroup = (pool.attachTo as Record<string, unknown> | undefined)?.nodeGroup;
    if (typeof nodeGroup === 'string') {
      if (!groups.includes(nodeGroup)) {
        ctx.addIssue({
          code: 'custom',
          path: ['elasticIpPools', index, 'attachTo', 'nodeGroup'],
          message: `no node group "${nodeGroup}" in nodeGroups${groups.length > 0 ? ` (the spec has ${groups.map(String).join(', ')})` : ''}`,
        });
      }
      const first = firstGroup.get(nodeGroup);
      if (first === undefined) firstGroup.set(nodeGroup, index);
      else {
        ctx.addIssue({
          code: 'custom',
          path: ['elasticIpPools', index, 'attachTo', 'nodeGroup'],
          message: `node group "${nodeGroup}" already has a pool (elasticIpPools[${first}]); a node's primary private IP holds one Elastic IP`,
        });
      }
    }
    const moveFrom = ((pool.attachTo as Record<string, unknown> | undefined)?.moveFrom as Record<string, unknown> | undefined)?.nodeGroup;
    if (typeof moveFrom === 'string' && !groups.includes(moveFrom)) {
      ctx.addIssue({
        code: 'custom',
        path: ['elasticIpPools', index, 'attachTo', 'moveFrom', 'nodeGroup'],
        message: `no node group "${moveFrom}" in nodeGroups${groups.length > 0 ? ` (the spec has ${groups.map(String).join(', ')})` : ''}`,
      });
    }
    const adopted = (pool.adopt as Record<string, unknown> | undefined)?.allocationIds;
    if (Array.isArray(adopted)) {
      adopted.forEach((id: unknown, at) => {
        if (typeof id !== 'string') return;
        const first = firstAllocation.get(id);
        if (first === undefined) firstAllocation.set(id, index);
        else if (first !== index) {
          ctx.addIssue({
            code: 'custom',
            path: ['elasticIpPools', index, 'adopt', 'allocationIds', at],
            message: `${id} is already adopted by elasticIpPools[${first}]; an address belongs to one pool`,
          });
        }
      });
    }
  });
}
