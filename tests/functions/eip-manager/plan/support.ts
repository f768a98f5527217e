/**
 * What the tests of eip-manager's plan share: addresses, nodes and observations of a pool as EC2
 * reports them, and the views of a plan the assertions read.
 */
import type { Address, Instance, InstanceStateName, NatGateway } from '@aws-sdk/client-ec2';
import type { EipAction, EipWriteAction } from '../../../../functions/eip-manager/actions';
import { isWrite } from '../../../../functions/eip-manager/actions';
import type { ObservedPools } from '../../../../functions/eip-manager/observed';

export const HOUR = 3_600_000;
export const CLUSTER = 'payments';

export const EGRESS = `
  - name: egress
    count: 2
    attachTo: { nodeGroup: prod-ng }
`;

export function allocationId(n: number): string {
  return `eipalloc-${n.toString(16).padStart(17, '0')}`;
}

/** A running node of prod-ng, launched `n` minutes after 08:00, with its primary interface eni-<n>. */
export function node(n: number, state: InstanceStateName = 'running'): Instance {
  const privateIp = `10.0.0.${String(n)}`;
  return {
    InstanceId: `i-${n.toString(16).padStart(17, '0')}`,
    State: { Name: state },
    LaunchTime: new Date(Date.parse('2026-11-22T08:00:00Z') + n * 60_000),
    Tags: [
      { Key: 'eks:cluster-name', Value: CLUSTER },
      { Key: 'eks:nodegroup-name', Value: 'prod-ng' },
    ],
    NetworkInterfaces: [
      {
        NetworkInterfaceId: `eni-${n.toString(16).padStart(17, '0')}`,
        PrivateIpAddress: privateIp,
        PrivateIpAddresses: [{ Primary: true, PrivateIpAddress: privateIp }],
        Attachment: { DeviceIndex: 0 },
      },
      { NetworkInterfaceId: `eni-1${n.toString(16).padStart(16, '0')}`, PrivateIpAddress: `10.1.0.${String(n)}`, Attachment: { DeviceIndex: 1 } },
    ],
  };
}

export interface AddressOptions {
  pool?: string;
  cluster?: string;
  tags?: Record<string, string>;
  on?: Instance;
  onInterface?: string;
}

/** An address `n` (public IP 198.51.100.<n>), tagged for a pool of `payments` unless told otherwise, optionally on a node. */
export function address(n: number, options: AddressOptions = {}): Address {
  const tags = { ...(options.pool === undefined ? {} : { 'eks-pilot/cluster': options.cluster ?? CLUSTER, 'eks-pilot/pool': options.pool }), ...options.tags };
  const eni = options.on?.NetworkInterfaces?.[0];
  return {
    AllocationId: allocationId(n),
    PublicIp: `198.51.100.${String(n)}`,
    Domain: 'vpc',
    Tags: Object.entries(tags).map(([Key, Value]) => ({ Key, Value })),
    ...(eni
      ? {
          AssociationId: `eipassoc-${String(n)}`,
          NetworkInterfaceId: eni.NetworkInterfaceId,
          PrivateIpAddress: eni.PrivateIpAddress,
          InstanceId: options.on?.InstanceId,
        }
      : {}),
    ...(options.onInterface ? { AssociationId: `eipassoc-${String(n)}`, NetworkInterfaceId: options.onInterface, PrivateIpAddress: '10.9.9.9' } : {}),
  };
}

export function observed(
  addresses: Address[],
  instances: Instance[] = [],
  pool = 'egress',
  natGateways: Record<string, NatGateway> | null = {},
): ObservedPools {
  return { addresses, instances: { [pool]: instances }, natGateways };
}

export function label(action: EipAction): string {
  return `${action.kind} ${action.target.kind}/${action.target.name}`;
}

export function writes(actions: readonly EipAction[]): EipWriteAction[] {
  return actions.filter(isWrite);
}

/** Every allocation id a write action of the plan sends or names. */
export function touched(actions: readonly EipAction[]): string[] {
  return writes(actions).flatMap((action) => {
    switch (action.kind) {
      case 'AllocateAddress':
        return [];
      case 'AssociateAddress':
      case 'AssociateNatGatewayAddress':
      case 'DisassociateAddress':
      case 'ReleaseAddress':
      case 'CreateTags':
      case 'DeleteTags':
        return 'slot' in action.address ? [] : [action.address.allocationId];
      default:
        throw new Error(`unexpected ${(action satisfies never as EipAction).kind}`);
    }
  });
}

export function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null) {
    for (const child of Object.values(value)) deepFreeze(child);
    Object.freeze(value);
  }
  return value;
}
