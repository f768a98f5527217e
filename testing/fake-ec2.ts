/**
 * A hand-written fake of the EC2 port that behaves like EC2 for Elastic IPs across invocations:
 * addresses with tags and associations, instances with a primary network interface and a state,
 * NAT gateways with their addresses, and the account's Elastic IP quota. EC2's refusals come back
 * as the typed errors the SDK adapter (shared/adapters/aws/ec2.ts) raises, with an EC2ServiceException
 * carrying the real error code as `cause`:
 *
 * - AllocateAddress beyond the quota: AddressLimitExceeded;
 * - AssociateAddress with AllowReassociation false when the address is associated, or the target
 *   private IP already holds an Elastic IP: Resource.AlreadyAssociated;
 * - ReleaseAddress of an associated address: InvalidIPAddress.InUse;
 * - AssociateNatGatewayAddress: answered `associating`, settled by the next read, `failed` past the
 *   gateway's address quota (see associateWithNat);
 * - a terminated instance loses its association, as EC2 disassociates it.
 *
 * Every call is recorded. Each call yields to the event loop first, so two runs started together
 * interleave the way two Lambda invocations would, request by request. A test can also drop a
 * write's answer after the write took effect (`dropResponse`, with or without the SDK's retry that
 * repeats a call that is not idempotent), or hold a call until it lets it go (`pauseBefore`), to
 * put a second run, or a lease expiry, exactly between two requests of the first.
 *
 * @example
 * const ec2 = new FakeEc2({ region: 'sa-east-1' });
 * const node = ec2.launchNode('financial-move', 'prod-ng');
 * await reconcilePools(spec, { ec2For: () => ec2, now: () => NOW, logger }, { mode: 'apply' });
 * ec2.addressOf(node)?.PublicIp; // '198.51.100.1'
 */
import { EC2ServiceException } from '@aws-sdk/client-ec2';
import type { Address, Filter, Instance, InstanceStateName, NatGateway, Tag } from '@aws-sdk/client-ec2';
import type { Ec2Port, Ec2Write, Ec2WriteKind, Ec2WriteResult } from '../shared/ports/ec2';
import { AddressInUseError, AddressLimitExceededError, AssociationConflictError, TargetGoneError } from '../shared/ports/ec2';
import { RequestRejectedError, ThrottledError, UpstreamError } from '../shared/errors';

export type Ec2ReadName = 'DescribeAddresses' | 'DescribeInstances' | 'DescribeNatGateways';

export interface FakeEc2Call {
  kind: 'read' | 'write';
  name: Ec2ReadName | Ec2WriteKind;
  input: unknown;
  /** `response-lost`: EC2 did the write, its answer never came back. */
  outcome: 'ok' | 'already-done' | 'failed' | 'response-lost';
  error?: Error;
}

/** A failure to inject: throttling, a 503 that outlived the SDK's retries (as the adapter passes it on), or any error to throw as is. */
export type Ec2Failure = 'throttled' | 'unavailable' | Error;

export interface FakeEc2Options {
  region?: string;
  /** The account's Elastic IP quota in the Region ("EC2-VPC Elastic IPs"): 5 by default, as AWS's. */
  quota?: number;
  /** "Elastic IP addresses per public NAT gateway", primary included: 2 by default, as AWS's (EC2 API Reference, AssociateNatGatewayAddress). */
  natGatewayAddressQuota?: number;
}

export interface LaunchOptions {
  state?: InstanceStateName;
  /** Extra tags, beyond the node group's. */
  tags?: Record<string, string>;
  launchTime?: Date;
}

const BASE_LAUNCH = new Date('2026-11-22T08:00:00Z');

/** A fake {@link Ec2Port} holding one account's Region. See the module comment. */
export class FakeEc2 implements Ec2Port {
  readonly calls: FakeEc2Call[] = [];
  quota: number;
  natGatewayAddressQuota: number;

  private readonly region: string;
  private readonly addresses = new Map<string, Address>();
  private readonly instances = new Map<string, Instance>();
  private readonly natGateways = new Map<string, NatGateway>();
  private readonly faults: { name: string; failure: Ec2Failure; remaining: number }[] = [];
  private readonly hooks: { name: Ec2ReadName | Ec2WriteKind; skip: number; run: () => void }[] = [];
  private readonly drops: { name: Ec2WriteKind; retried: boolean }[] = [];
  private readonly pauses: { name: Ec2ReadName | Ec2WriteKind; skip: number; reached: () => void; released: Promise<void> }[] = [];
  private sequence = 0;

  constructor(options: FakeEc2Options = {}) {
    this.region = options.region ?? 'us-east-1';
    this.quota = options.quota ?? 5;
    this.natGatewayAddressQuota = options.natGatewayAddressQuota ?? 2;
  }

  // ---- what tests read --------------------------------------------------------------------------

  writes(): FakeEc2Call[] {
    return this.calls.filter((call) => call.kind === 'write');
  }

  reads(): FakeEc2Call[] {
    return this.calls.filter((call) => call.kind === 'read');
  }

  resetCalls(): void {
    this.calls.length = 0;
  }

  /** Every address, as DescribeAddresses would answer now (copies), sorted by allocation id. */
  allAddresses(): Address[] {
    return [...this.addresses.values()].map(copy).sort((a, b) => (a.AllocationId ?? '').localeCompare(b.AllocationId ?? ''));
  }

  /** The addresses tagged for a pool (eks-pilot/pool), the way eip-manager tags what it allocates. */
  addressesTagged(pool: string): Address[] {
    return this.allAddresses().filter((address) => tagValue(address.Tags, 'eks-pilot/pool') === pool);
  }

  /** The Elastic IP on an instance's primary private IP, if any. */
  addressOf(instanceId: string): Address | undefined {
    const instance = this.instances.get(instanceId);
    const eni = instance?.NetworkInterfaces?.[0];
    return this.allAddresses().find((address) => address.NetworkInterfaceId !== undefined && address.NetworkInterfaceId === eni?.NetworkInterfaceId);
  }

  instance(instanceId: string): Instance | undefined {
    const found = this.instances.get(instanceId);
    return found === undefined ? undefined : copy(found);
  }

  /** The gateway moves to a state (pending -> available, or deleting). */
  setNatGatewayState(natGatewayId: string, state: NatGateway['State']): void {
    const nat = this.natGateways.get(natGatewayId);
    if (nat === undefined) throw new Error(`fake EC2: no NAT gateway ${natGatewayId}`);
    nat.State = state;
  }

  natGateway(natGatewayId: string): NatGateway | undefined {
    const found = this.natGateways.get(natGatewayId);
    return found === undefined ? undefined : copy(found);
  }

  // ---- what tests arrange -----------------------------------------------------------------------

  /** A managed node group instance: tagged eks:cluster-name and eks:nodegroup-name, running, with one primary network interface. */
  launchNode(cluster: string, nodeGroup: string, options: LaunchOptions = {}): string {
    return this.launchInstance({ 'eks:cluster-name': cluster, 'eks:nodegroup-name': nodeGroup, ...options.tags }, options);
  }

  /** Any instance with these tags. */
  launchInstance(tags: Record<string, string>, options: LaunchOptions = {}): string {
    const seed = this.next();
    const instanceId = `i-${hex(seed, 17)}`;
    const privateIp = `10.0.${String(Math.floor(seed / 250) % 250)}.${String((seed % 250) + 4)}`;
    const eni = `eni-${hex(seed, 17)}`;
    this.instances.set(instanceId, {
      InstanceId: instanceId,
      State: { Name: options.state ?? 'running' },
      LaunchTime: options.launchTime ?? new Date(BASE_LAUNCH.getTime() + seed * 60_000),
      PrivateIpAddress: privateIp,
      Tags: toTags(tags),
      NetworkInterfaces: [
        {
          NetworkInterfaceId: eni,
          PrivateIpAddress: privateIp,
          PrivateIpAddresses: [{ Primary: true, PrivateIpAddress: privateIp }],
          Attachment: { DeviceIndex: 0, AttachmentId: `eni-attach-${hex(seed, 17)}` },
        },
        // EKS nodes with the VPC CNI carry more interfaces: InstanceId alone would not do for AssociateAddress.
        {
          NetworkInterfaceId: `eni-${hex(seed + 0x100000, 17)}`,
          PrivateIpAddress: `10.1.${String(seed % 250)}.4`,
          PrivateIpAddresses: [{ Primary: true, PrivateIpAddress: `10.1.${String(seed % 250)}.4` }],
          Attachment: { DeviceIndex: 1, AttachmentId: `eni-attach-${hex(seed + 0x100000, 17)}` },
        },
      ],
    });
    return instanceId;
  }

  /** The instance moves to a state; shutting-down keeps its address (as EC2 does until termination). */
  setState(instanceId: string, state: InstanceStateName): void {
    const instance = this.instances.get(instanceId);
    if (instance === undefined) throw new Error(`fake EC2: no instance ${instanceId}`);
    instance.State = { Name: state };
    if (state === 'terminated') {
      // EC2 disassociates an Elastic IP from an instance it terminates; the address stays allocated.
      const eni = instance.NetworkInterfaces?.[0]?.NetworkInterfaceId;
      for (const address of this.addresses.values()) if (address.NetworkInterfaceId === eni) clearAssociation(address);
    }
  }

  /** Terminated and gone from DescribeInstances (EC2 forgets terminated instances after about an hour). */
  forget(instanceId: string): void {
    this.setState(instanceId, 'terminated');
    this.instances.delete(instanceId);
  }

  /** An address allocated outside eip-manager (console, another tool), optionally associated with an instance's primary interface or another network
   * interface. */
  seedAddress(options: { tags?: Record<string, string>; instanceId?: string; networkInterfaceId?: string } = {}): string {
    const address = this.newAddress(toTags(options.tags ?? {}));
    if (options.instanceId !== undefined) {
      const eni = this.instances.get(options.instanceId)?.NetworkInterfaces?.[0];
      if (eni === undefined) throw new Error(`fake EC2: no instance ${options.instanceId}`);
      this.associate(address, eni.NetworkInterfaceId ?? '', eni.PrivateIpAddress ?? '', options.instanceId);
    } else if (options.networkInterfaceId !== undefined) {
      this.associate(address, options.networkInterfaceId, '10.9.9.9', undefined);
    }
    this.addresses.set(address.AllocationId ?? '', address);
    return address.AllocationId ?? '';
  }

  /** A public NAT gateway with its primary address (allocated here, counted against the quota). */
  addNatGateway(options: { state?: NatGateway['State']; primaryAllocationId?: string; natGatewayId?: string } = {}): string {
    const seed = this.next();
    const natGatewayId = options.natGatewayId ?? `nat-${hex(seed, 17)}`;
    const eni = `eni-${hex(seed + 0x200000, 17)}`;
    const primary = options.primaryAllocationId ?? this.seedAddress({ tags: { Name: `${natGatewayId}-primary` } });
    const address = this.addresses.get(primary);
    if (address === undefined) throw new Error(`fake EC2: no address ${primary}`);
    this.associate(address, eni, '10.0.200.10', undefined);
    this.natGateways.set(natGatewayId, {
      NatGatewayId: natGatewayId,
      State: options.state ?? 'available',
      ConnectivityType: 'public',
      NatGatewayAddresses: [
        {
          AllocationId: primary,
          NetworkInterfaceId: eni,
          PrivateIp: '10.0.200.10',
          PublicIp: address.PublicIp,
          AssociationId: address.AssociationId,
          IsPrimary: true,
          Status: 'succeeded',
        },
      ],
    });
    return natGatewayId;
  }

  /** The next `times` calls named `name` fail. */
  failNext(name: Ec2ReadName | Ec2WriteKind, failure: Ec2Failure, times = 1): void {
    this.faults.push({ name, failure, remaining: times });
  }

  /**
   * Runs `change` just before a call named `name` reaches the fake, after letting `skip` such calls
   * through: someone else acting between a run's read and its write.
   */
  beforeNext(name: Ec2ReadName | Ec2WriteKind, change: () => void, skip = 0): void {
    this.hooks.push({ name, skip, run: change });
  }

  /**
   * The next write named `name` takes effect but its answer is lost. With `retried`, the SDK sends
   * it again (AllocateAddress has no client token, so a second address is allocated) and that
   * answer comes back; without, the caller gets a transient network error.
   */
  dropResponse(name: Ec2WriteKind, options: { retried?: boolean } = {}): void {
    this.drops.push({ name, retried: options.retried ?? false });
  }

  /**
   * Holds the next call named `name` (after letting `skip` through) before it reaches the fake:
   * `reached` resolves when the call is held, `resume()` lets it go on.
   */
  pauseBefore(name: Ec2ReadName | Ec2WriteKind, skip = 0): { reached: Promise<void>; resume: () => void } {
    let resume: () => void = () => undefined;
    let reached: () => void = () => undefined;
    const released = new Promise<void>((resolve) => (resume = resolve));
    const held = new Promise<void>((resolve) => (reached = resolve));
    this.pauses.push({ name, skip, reached, released });
    return { reached: held, resume };
  }

  /** Someone else associates an address with an instance's primary interface (no call recorded). */
  associateOutOfBand(allocationId: string, instanceId: string): void {
    const address = this.addresses.get(allocationId);
    const eni = this.instances.get(instanceId)?.NetworkInterfaces?.[0];
    if (address === undefined || eni === undefined) throw new Error('fake EC2: unknown address or instance');
    this.associate(address, eni.NetworkInterfaceId ?? '', eni.PrivateIpAddress ?? '', instanceId);
  }

  // ---- Ec2Reads ---------------------------------------------------------------------------------

  describeAddresses(filters?: Filter[]): Promise<Address[]> {
    const input = filters === undefined || filters.length === 0 ? {} : { Filters: filters };
    return this.read('DescribeAddresses', input, () => {
      this.settleNatGateways();
      return this.allAddresses().filter((address) => (filters ?? []).every((filter) => matchesTag(address, filter)));
    });
  }

  describeInstances(filters: Filter[]): Promise<Instance[]> {
    return this.read('DescribeInstances', { Filters: filters }, () =>
      [...this.instances.values()].filter((instance) => filters.every((filter) => matches(instance, filter))).map(copy),
    );
  }

  describeInstance(instanceId: string): Promise<Instance | null> {
    return this.read('DescribeInstances', { InstanceIds: [instanceId] }, () => this.instance(instanceId) ?? null);
  }

  describeNatGateways(natGatewayIds: readonly string[]): Promise<NatGateway[]> {
    return this.read('DescribeNatGateways', { NatGatewayIds: [...natGatewayIds] }, () => {
      this.settleNatGateways();
      return natGatewayIds.flatMap((id) => {
        const nat = this.natGateways.get(id);
        return nat === undefined ? [] : [copy(nat)];
      });
    });
  }

  // ---- Ec2Writes --------------------------------------------------------------------------------

  async execute(write: Ec2Write): Promise<Ec2WriteResult> {
    await yieldTurn();
    await this.pauseIfAsked(write.kind);
    this.runHook(write.kind);
    const call: FakeEc2Call = { kind: 'write', name: write.kind, input: structuredClone(write.request), outcome: 'ok' };
    this.calls.push(call);
    try {
      this.injectFault(write.kind);
      const dropAt = this.drops.findIndex((drop) => drop.name === write.kind);
      if (dropAt >= 0) {
        const [drop] = this.drops.splice(dropAt, 1);
        this.apply(write);
        call.outcome = 'response-lost';
        if (drop?.retried !== true) {
          const cause = Object.assign(new Error('socket hang up'), { name: 'TimeoutError', code: 'ECONNRESET' });
          throw new UpstreamError(`${write.kind} failed: TimeoutError: socket hang up`, { cause, context: { action: write.kind } });
        }
        // The SDK's retry: a second request, which EC2 carries out again.
        const retry: FakeEc2Call = { kind: 'write', name: write.kind, input: structuredClone(write.request), outcome: 'ok' };
        this.calls.push(retry);
        return this.apply(write);
      }
      const result = this.apply(write);
      if (result.alreadyDone) call.outcome = 'already-done';
      return result;
    } catch (error) {
      if (call.outcome !== 'response-lost') call.outcome = 'failed';
      if (error instanceof Error) call.error = error;
      throw error;
    }
  }

  private apply(write: Ec2Write): Ec2WriteResult {
    switch (write.kind) {
      case 'AllocateAddress': {
        if (this.addresses.size >= this.quota) {
          throw ec2Error(AddressLimitExceededError, 'AllocateAddress', 'AddressLimitExceeded', 'The maximum number of addresses has been reached.');
        }
        const tags = (write.request.TagSpecifications ?? []).filter((spec) => spec.ResourceType === 'elastic-ip').flatMap((spec) => spec.Tags ?? []);
        const address = this.newAddress(tags);
        this.addresses.set(address.AllocationId ?? '', address);
        return { allocationId: address.AllocationId ?? '', publicIp: address.PublicIp ?? '' };
      }
      case 'AssociateAddress': {
        const { AllocationId, NetworkInterfaceId, PrivateIpAddress, AllowReassociation, InstanceId } = write.request;
        if (InstanceId !== undefined) {
          throw ec2Error(
            RequestRejectedError,
            'AssociateAddress',
            'InvalidInstanceID',
            'There are multiple interfaces attached to instance; specify a network interface',
          );
        }
        const address = this.addresses.get(AllocationId ?? '');
        if (address === undefined) {
          throw ec2Error(
            AssociationConflictError,
            'AssociateAddress',
            'InvalidAllocationID.NotFound',
            `The allocation ID '${AllocationId ?? ''}' does not exist`,
          );
        }
        const owner = [...this.instances.values()].find((instance) => instance.NetworkInterfaces?.some((eni) => eni.NetworkInterfaceId === NetworkInterfaceId));
        if (owner === undefined || owner.State?.Name === 'terminated') {
          throw ec2Error(
            TargetGoneError,
            'AssociateAddress',
            'InvalidNetworkInterfaceID.NotFound',
            `The networkInterface ID '${NetworkInterfaceId ?? ''}' does not exist`,
          );
        }
        const privateIp = PrivateIpAddress ?? owner.NetworkInterfaces?.find((eni) => eni.NetworkInterfaceId === NetworkInterfaceId)?.PrivateIpAddress ?? '';
        const holder = [...this.addresses.values()].find((other) => other.NetworkInterfaceId === NetworkInterfaceId && other.PrivateIpAddress === privateIp);
        if (AllowReassociation !== true && (address.AssociationId !== undefined || (holder !== undefined && holder !== address))) {
          throw ec2Error(
            AssociationConflictError,
            'AssociateAddress',
            'Resource.AlreadyAssociated',
            `resource ${NetworkInterfaceId ?? ''} and ${privateIp} is already associated with public address ${(holder ?? address).PublicIp ?? ''}`,
          );
        }
        if (holder !== undefined && holder !== address) clearAssociation(holder);
        return { associationId: this.associate(address, NetworkInterfaceId ?? '', privateIp, owner.InstanceId) };
      }
      case 'AssociateNatGatewayAddress':
        return this.associateWithNat(write.request.NatGatewayId ?? '', write.request.AllocationIds ?? []);
      case 'DisassociateAddress': {
        const address = [...this.addresses.values()].find((candidate) => candidate.AssociationId === write.request.AssociationId);
        if (address === undefined) return { alreadyDone: true };
        clearAssociation(address);
        return {};
      }
      case 'ReleaseAddress': {
        const address = this.addresses.get(write.request.AllocationId ?? '');
        if (address === undefined) return { alreadyDone: true };
        if (address.AssociationId !== undefined) {
          throw ec2Error(AddressInUseError, 'ReleaseAddress', 'InvalidIPAddress.InUse', 'Address is in use.');
        }
        this.addresses.delete(write.request.AllocationId ?? '');
        return {};
      }
      case 'CreateTags':
        for (const id of write.request.Resources ?? []) {
          const address = this.addresses.get(id);
          if (address === undefined) continue;
          const tags = new Map((address.Tags ?? []).map((tag) => [tag.Key, tag.Value]));
          for (const tag of write.request.Tags ?? []) tags.set(tag.Key, tag.Value);
          address.Tags = [...tags].map(([Key, Value]) => ({ Key, Value }));
        }
        return {};
      case 'DeleteTags':
        for (const id of write.request.Resources ?? []) {
          const address = this.addresses.get(id);
          if (address === undefined) continue;
          const removed = new Set((write.request.Tags ?? []).map((tag) => tag.Key));
          address.Tags = (address.Tags ?? []).filter((tag) => !removed.has(tag.Key));
        }
        return {};
      default: {
        const unknown: never = write;
        throw new Error(`fake EC2: unknown write ${String((unknown as { kind?: unknown }).kind)}`);
      }
    }
  }

  /**
   * AssociateNatGatewayAddress as the EC2 API Reference describes it: the gateway must exist and be
   * available, every address must exist and be associated nowhere, and the answer lists each new
   * address `associating`. The association then settles on the next DescribeNatGateways:
   * `succeeded`, the address now associated with the gateway's interface; or `failed`, with a
   * FailureMessage, for an address beyond the gateway's quota ("Elastic IP addresses per public NAT
   * gateway", 2 by default, primary included), which stays associated nowhere. The reference
   * names no error code for that limit, and the SDK's NatGatewayAddress carries Status and
   * FailureMessage, so the fake reports it there rather than invent a code.
   */
  private associateWithNat(natGatewayId: string, allocationIds: readonly string[]): Ec2WriteResult {
    const nat = this.natGateways.get(natGatewayId);
    if (nat === undefined || nat.State === 'deleted') {
      throw ec2Error(RequestRejectedError, 'AssociateNatGatewayAddress', 'NatGatewayNotFound', `The Nat Gateway ${natGatewayId} was not found`);
    }
    if (nat.State !== 'available') {
      throw ec2Error(
        RequestRejectedError,
        'AssociateNatGatewayAddress',
        'IncorrectState',
        `The NAT gateway ${natGatewayId} is ${nat.State ?? 'unknown'}, not available`,
      );
    }
    const entries = nat.NatGatewayAddresses ?? [];
    for (const allocationId of allocationIds) {
      const address = this.addresses.get(allocationId);
      if (address === undefined) {
        throw ec2Error(
          AssociationConflictError,
          'AssociateNatGatewayAddress',
          'InvalidAllocationID.NotFound',
          `The allocation ID '${allocationId}' does not exist`,
        );
      }
      const pending = entries.some((entry) => entry.AllocationId === allocationId && entry.Status === 'associating');
      if (address.AssociationId !== undefined || pending) {
        throw ec2Error(
          AssociationConflictError,
          'AssociateNatGatewayAddress',
          'Resource.AlreadyAssociated',
          `Elastic IP address ${allocationId} is already associated`,
        );
      }
    }
    const eni = entries.find((entry) => entry.IsPrimary === true)?.NetworkInterfaceId ?? '';
    let associationId: string | undefined;
    for (const allocationId of allocationIds) {
      const address = this.addresses.get(allocationId) ?? {};
      // A failed try leaves its entry; a new try replaces it.
      nat.NatGatewayAddresses = (nat.NatGatewayAddresses ?? []).filter((entry) => !(entry.AllocationId === allocationId && entry.Status === 'failed'));
      associationId = `eipassoc-${hex(this.next(), 17)}`;
      nat.NatGatewayAddresses.push({
        AllocationId: allocationId,
        NetworkInterfaceId: eni,
        PrivateIp: `10.0.200.${String(11 + nat.NatGatewayAddresses.length)}`,
        PublicIp: address.PublicIp,
        AssociationId: associationId,
        IsPrimary: false,
        Status: 'associating',
      });
    }
    return associationId === undefined ? {} : { associationId };
  }

  /** The gateways' associations in progress settle, in the order they were asked for (see {@link associateWithNat}). */
  private settleNatGateways(): void {
    for (const nat of this.natGateways.values()) {
      let used = (nat.NatGatewayAddresses ?? []).filter((entry) => entry.Status === 'succeeded').length;
      for (const entry of nat.NatGatewayAddresses ?? []) {
        if (entry.Status !== 'associating') continue;
        const address = this.addresses.get(entry.AllocationId ?? '');
        if (address === undefined || address.AssociationId !== undefined || used >= this.natGatewayAddressQuota) {
          entry.Status = 'failed';
          entry.FailureMessage =
            used >= this.natGatewayAddressQuota
              ? `Elastic IP addresses per public NAT gateway quota (${String(this.natGatewayAddressQuota)}) exceeded`
              : `Elastic IP address ${entry.AllocationId ?? ''} is not available`;
          delete entry.AssociationId;
          continue;
        }
        address.AssociationId = entry.AssociationId;
        address.NetworkInterfaceId = entry.NetworkInterfaceId;
        address.PrivateIpAddress = entry.PrivateIp;
        delete address.InstanceId;
        entry.Status = 'succeeded';
        used += 1;
      }
    }
  }

  // ---- plumbing ---------------------------------------------------------------------------------

  private async read<T>(name: Ec2ReadName, input: unknown, answer: () => T): Promise<T> {
    await yieldTurn();
    await this.pauseIfAsked(name);
    this.runHook(name);
    const call: FakeEc2Call = { kind: 'read', name, input: structuredClone(input), outcome: 'ok' };
    this.calls.push(call);
    try {
      this.injectFault(name);
      return answer();
    } catch (error) {
      call.outcome = 'failed';
      if (error instanceof Error) call.error = error;
      throw error;
    }
  }

  private async pauseIfAsked(name: Ec2ReadName | Ec2WriteKind): Promise<void> {
    const index = this.pauses.findIndex((candidate) => candidate.name === name);
    const pause = this.pauses[index];
    if (pause === undefined) return;
    if (pause.skip > 0) {
      pause.skip -= 1;
      return;
    }
    this.pauses.splice(index, 1);
    pause.reached();
    await pause.released;
  }

  private runHook(name: Ec2ReadName | Ec2WriteKind): void {
    const index = this.hooks.findIndex((candidate) => candidate.name === name);
    const hook = this.hooks[index];
    if (hook === undefined) return;
    if (hook.skip > 0) {
      hook.skip -= 1;
      return;
    }
    this.hooks.splice(index, 1);
    hook.run();
  }

  private injectFault(name: string): void {
    const fault = this.faults.find((candidate) => candidate.name === name && candidate.remaining > 0);
    if (fault === undefined) return;
    fault.remaining -= 1;
    if (fault.failure === 'throttled') throw ec2Error(ThrottledError, name, 'RequestLimitExceeded', 'Request limit exceeded.');
    if (fault.failure === 'unavailable') {
      const cause = new EC2ServiceException({
        name: 'Unavailable',
        $fault: 'server',
        $metadata: { httpStatusCode: 503 },
        message: 'The server is temporarily unavailable.',
      });
      throw new UpstreamError(`${name} failed: Unavailable: The server is temporarily unavailable.`, { cause, context: { action: name } });
    }
    throw fault.failure;
  }

  private newAddress(tags: Tag[]): Address {
    const seed = this.next();
    return {
      AllocationId: `eipalloc-${hex(seed, 17)}`,
      PublicIp: `198.51.100.${String(seed % 250)}`,
      Domain: 'vpc',
      NetworkBorderGroup: this.region,
      PublicIpv4Pool: 'amazon',
      Tags: tags.map((tag) => ({ ...tag })),
    };
  }

  private associate(address: Address, networkInterfaceId: string, privateIp: string, instanceId: string | undefined): string {
    const associationId = `eipassoc-${hex(this.next(), 17)}`;
    address.AssociationId = associationId;
    address.NetworkInterfaceId = networkInterfaceId;
    address.PrivateIpAddress = privateIp;
    if (instanceId === undefined) delete address.InstanceId;
    else address.InstanceId = instanceId;
    return associationId;
  }

  private next(): number {
    this.sequence += 1;
    return this.sequence;
  }
}

/** What the adapter throws for an EC2 error code: the typed error, with the SDK's exception as cause. */
function ec2Error<E extends Error>(
  Type: new (message: string, options: { cause?: unknown; context?: Record<string, unknown> }) => E,
  action: string,
  code: string,
  message: string,
): E {
  const cause = new EC2ServiceException({ name: code, $fault: 'client', $metadata: { httpStatusCode: 400 }, message });
  return new Type(`${action} (${code}): ${message}`, { cause, context: { action, code } });
}

function clearAssociation(address: Address): void {
  delete address.AssociationId;
  delete address.InstanceId;
  delete address.NetworkInterfaceId;
  delete address.PrivateIpAddress;
}

/** The subset of DescribeInstances filters eip-manager sends: tag:<key> and instance-state-name. */
function matches(instance: Instance, filter: Filter): boolean {
  const values = filter.Values ?? [];
  if (filter.Name === 'instance-state-name') return values.includes(instance.State?.Name ?? '');
  if (filter.Name?.startsWith('tag:')) return values.includes(tagValue(instance.Tags, filter.Name.slice(4)) ?? '\u0000');
  throw new Error(`fake EC2: unsupported filter ${filter.Name ?? '?'}`);
}

/** DescribeAddresses filters: tag:<key> only (what eip-manager sends). */
function matchesTag(address: Address, filter: Filter): boolean {
  if (filter.Name?.startsWith('tag:')) return (filter.Values ?? []).includes(tagValue(address.Tags, filter.Name.slice(4)) ?? '\u0000');
  throw new Error(`fake EC2: unsupported address filter ${filter.Name ?? '?'}`);
}

function tagValue(tags: Tag[] | undefined, key: string): string | undefined {
  return tags?.find((tag) => tag.Key === key)?.Value;
}

function toTags(tags: Record<string, string>): Tag[] {
  return Object.entries(tags).map(([Key, Value]) => ({ Key, Value }));
}

function hex(seed: number, length: number): string {
  return seed.toString(16).padStart(length, '0').slice(-length);
}

function copy<T>(value: T): T {
  return structuredClone(value);
}

function yieldTurn(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}
