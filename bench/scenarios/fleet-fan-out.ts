/**
 * Fleet fan-out in virtual time: 1,000 clusters x 10 node groups across 20 accounts, one scheduled
 * drift check of provision. The real code runs: the schedule's `handleProvisionEvent` fans out to a
 * simulated standard queue, and `handleProvisionBatch` (the worker's path) reconciles each message's
 * cluster through provision's own observe, plan and report, against FakeEks accounts. What is
 * simulated, on a virtual clock (no real waiting, so the run takes seconds):
 *
 * - every EKS call takes 50-150 ms (uniform, seeded): a regional API round trip;
 * - each account and Region throttles as EC2's non-mutating token bucket does (100 tokens, 20 a
 *   second; Amazon EC2 Developer Guide, "Request throttling for the Amazon EC2 API"), EKS publishing
 *   no rate of its own; a throttled call is retried as the SDK's standard strategy does (throttling
 *   base delay 500 ms, doubling, full jitter; MAX_ATTEMPTS 5 of shared/adapters/aws/clients.ts),
 *   then fails with ThrottledError;
 * - the queue: messages visible after their DelaySeconds, a received one hidden for the visibility
 *   timeout, a failed one received again after it, moved to the dead-letter queue after
 *   maxReceiveCount receives; SendMessageBatch takes 20 ms;
 * - Lambda: at most `maximumConcurrency` invocations at once (the event source's ScalingConfig), a
 *   container's first invocation 300 ms of cold start (about the all-in-one bundle's import,
 *   FIELD-NOTES), later ones 10 ms.
 *
 * Three runs: the fan-out on a healthy fleet; the same with one cluster that always fails
 * (AccessDenied on DescribeCluster), to show what it costs the others; and today's single
 * invocation at concurrency 4, for comparison.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { handleProvisionBatch, handleProvisionEvent } from '../../functions/provision/invoke';
import type { InvokeDeps } from '../../functions/provision/invoke';
import { RequestRejectedError, ThrottledError } from '../../shared/errors';
import { loadSpecsOnce } from '../../shared/model/cluster-spec/load';
import type { ClusterSpec } from '../../shared/model/cluster-spec/schema';
import type { EksPort } from '../../shared/ports/eks';
import type { FleetQueuePort, QueuedMessage } from '../../shared/ports/fleet-queue';
import { accountOf } from '../../shared/reconcile/fan-out';
import { FakeEks } from '../../testing/fake-eks';
import { minimalSpecYaml } from '../../testing/specs';
import { scenarioMain } from '../child';

export interface FleetFanOutInput {
  clusters: number;
  nodeGroups: number;
  accounts: number;
  /** provision's SQS event source `maximumConcurrency` (serverless.yml). */
  maximumConcurrency: number;
  /** The fleet queue's VisibilityTimeout and maxReceiveCount (serverless.yml). */
  visibilityTimeoutSeconds: number;
  maxReceiveCount: number;
}

/** The token bucket every account and Region throttles with in the simulation. */
export interface Bucket {
  burst: number;
  perSecond: number;
}

export interface FleetFanOutRun {
  label: string;
  /** Virtual seconds from the schedule's event to the last healthy cluster's report. */
  allReportedSeconds: number;
  healthyReported: number;
  healthy: number;
  invocations: number;
  requests: number;
  /** Calls the account's bucket refused (each retried or failed): 0 means every account stayed within its budget. */
  throttled: number;
  /** The most requests one account made in any one virtual second. */
  peakPerSecond: number;
  /** The highest average rate of one account over any 10 s. */
  peak10sPerSecond: number;
  /** The always-failing cluster: how often it ran, when its message reached the dead-letter queue. */
  failing?: { cluster: string; receives: number; deadLetteredSeconds: number | null };
}

export interface FleetFanOutFigures {
  clusters: number;
  nodeGroups: number;
  accounts: number;
  maximumConcurrency: number;
  visibilityTimeoutSeconds: number;
  maxReceiveCount: number;
  bucket: Bucket;
  latencyMs: [number, number];
  /** What the schedule's fan-out sent. */
  queued: number;
  sendBatches: number;
  lastDelaySeconds: number;
  runs: FleetFanOutRun[];
  /** Real time the whole simulation took. */
  wallSeconds: number;
}

const BUCKET: Bucket = { burst: 100, perSecond: 20 };
const LATENCY: [number, number] = [50, 150];
const COLD_MS = 300;
const WARM_MS = 10;
const SEND_MS = 20;
const THROTTLE_BASE_MS = 500;
const MAX_ATTEMPTS = 5;
const T0 = Date.parse('2026-12-01T10:05:00Z');

/** A seeded PRNG (mulberry32): the same run every time. */
function random(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

interface Timer {
  at: number;
  seq: number;
  resolve: () => void;
}

/** Virtual time: `sleep` resolves when the clock gets there; the clock jumps from one timer to the next once every promise chain has settled. */
class VirtualClock {
  now = 0;
  private readonly heap: Timer[] = [];
  private seq = 0;

  sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      this.push({ at: this.now + Math.max(0, ms), seq: this.seq++, resolve });
    });
  }

  async run<T>(main: Promise<T>): Promise<T> {
    const state = { done: false };
    const settled = main.finally(() => {
      state.done = true;
    });
    let idle = 0;
    while (!state.done) {
      // Every promise chain runs to its next sleep before the clock moves on.
      await new Promise((resolve) => setImmediate(resolve));
      const next = this.pop();
      if (next === undefined) {
        // Nothing scheduled and not done: something real (a file read) is still under way.
        if (++idle > 1000) throw new Error('virtual clock: nothing left to run, and the simulation has not finished');
        await new Promise((resolve) => setTimeout(resolve, 1));
        continue;
      }
      idle = 0;
      this.now = next.at;
      next.resolve();
    }
    return settled;
  }

  private push(timer: Timer): void {
    const heap = this.heap;
    heap.push(timer);
    let index = heap.length - 1;
    while (index > 0) {
      const parent = (index - 1) >> 1;
      if (!earlier(heap[index] as Timer, heap[parent] as Timer)) break;
      [heap[index], heap[parent]] = [heap[parent] as Timer, heap[index] as Timer];
      index = parent;
    }
  }

  private pop(): Timer | undefined {
    const heap = this.heap;
    const top = heap[0];
    const last = heap.pop();
    if (top === undefined || last === undefined || heap.length === 0) return top;
    heap[0] = last;
    let index = 0;
    for (;;) {
      const left = 2 * index + 1;
      const right = left + 1;
      let smallest = index;
      if (left < heap.length && earlier(heap[left] as Timer, heap[smallest] as Timer)) smallest = left;
      if (right < heap.length && earlier(heap[right] as Timer, heap[smallest] as Timer)) smallest = right;
      if (smallest === index) return top;
      [heap[index], heap[smallest]] = [heap[smallest] as Timer, heap[index] as Timer];
      index = smallest;
    }
  }
}

const earlier = (a: Timer, b: Timer): boolean => a.at < b.at || (a.at === b.at && a.seq < b.seq);

/** One account and Region: its token bucket and the times of every request it answered or refused. */
class Account {
  private tokens: number;
  private last = 0;
  readonly requests: number[] = [];
  throttled = 0;

  constructor(private readonly bucket: Bucket) {
    this.tokens = bucket.burst;
  }

  take(now: number): boolean {
    this.tokens = Math.min(this.bucket.burst, this.tokens + ((now - this.last) / 1000) * this.bucket.perSecond);
    this.last = now;
    this.requests.push(now);
    if (this.tokens >= 1) {
      this.tokens -= 1;
      return true;
    }
    this.throttled += 1;
    return false;
  }
}

/** The EKS port as a cluster's run sees it: latency, the account's bucket and the SDK's retries around a FakeEks. */
function simulatedEks(fake: FakeEks, account: Account, clock: VirtualClock, rng: () => number, failing: boolean): EksPort {
  const call = async <T>(name: string, answer: () => Promise<T>): Promise<T> => {
    for (let attempt = 1; ; attempt++) {
      await clock.sleep(LATENCY[0] + rng() * (LATENCY[1] - LATENCY[0]));
      if (account.take(clock.now)) {
        if (failing) throw new RequestRejectedError(`${name} rejected: AccessDeniedException: not authorized`);
        return answer();
      }
      if (attempt >= MAX_ATTEMPTS) throw new ThrottledError(`${name} throttled after the SDK's retries`);
      await clock.sleep(rng() * THROTTLE_BASE_MS * 2 ** (attempt - 1));
    }
  };
  return {
    describeCluster: (name) => call('DescribeCluster', () => fake.describeCluster(name)),
    describeNodegroup: (cluster, group) => call('DescribeNodegroup', () => fake.describeNodegroup(cluster, group)),
    listNodegroups: (cluster) => call('ListNodegroups', () => fake.listNodegroups(cluster)),
    describeAddon: (cluster, addon) => call('DescribeAddon', () => fake.describeAddon(cluster, addon)),
    listAccessEntries: (cluster) => call('ListAccessEntries', () => fake.listAccessEntries(cluster)),
    describeAccessEntry: (cluster, arn) => call('DescribeAccessEntry', () => fake.describeAccessEntry(cluster, arn)),
    listAssociatedAccessPolicies: (cluster, arn) => call('ListAssociatedAccessPolicies', () => fake.listAssociatedAccessPolicies(cluster, arn)),
    listUpdates: (input) => call('ListUpdates', () => fake.listUpdates(input)),
    describeUpdate: (input) => call('DescribeUpdate', () => fake.describeUpdate(input)),
    listPodIdentityAssociations: (cluster) => call('ListPodIdentityAssociations', () => fake.listPodIdentityAssociations(cluster)),
    describePodIdentityAssociation: (cluster, id) => call('DescribePodIdentityAssociation', () => fake.describePodIdentityAssociation(cluster, id)),
    execute: (write) => call(write.kind, () => fake.execute(write)),
  };
}

interface Message {
  id: string;
  body: string;
  visibleAt: number;
  receives: number;
}

/** A standard queue with a redrive policy, in virtual time. */
class SimulatedQueue implements FleetQueuePort {
  readonly waiting: Message[] = [];
  readonly deadLetters: { message: Message; at: number }[] = [];
  batches = 0;
  private ids = 0;

  constructor(
    private readonly clock: VirtualClock,
    private readonly visibilityMs: number,
    private readonly maxReceiveCount: number,
  ) {}

  async send(messages: readonly QueuedMessage[]): Promise<void> {
    for (let start = 0; start < messages.length; start += 10) {
      await this.clock.sleep(SEND_MS);
      this.batches += 1;
      for (const message of messages.slice(start, start + 10)) {
        this.waiting.push({ id: `m${String(++this.ids)}`, body: message.body, visibleAt: this.clock.now + (message.delaySeconds ?? 0) * 1000, receives: 0 });
      }
    }
  }

  /** The earliest visible message, hidden for the visibility timeout; one past maxReceiveCount goes to the dead-letter queue instead. */
  receive(): Message | undefined {
    const now = this.clock.now;
    for (;;) {
      let best: Message | undefined;
      for (const message of this.waiting) if (message.visibleAt <= now && (best === undefined || message.visibleAt < best.visibleAt)) best = message;
      if (best === undefined) return undefined;
      if (best.receives >= this.maxReceiveCount) {
        this.remove(best);
        this.deadLetters.push({ message: best, at: now });
        continue;
      }
      best.receives += 1;
      best.visibleAt = now + this.visibilityMs;
      return best;
    }
  }

  nextVisibleAt(): number | undefined {
    return this.waiting.reduce<number | undefined>(
      (soonest, message) => (soonest === undefined || message.visibleAt < soonest ? message.visibleAt : soonest),
      undefined,
    );
  }

  remove(message: Message): void {
    this.waiting.splice(this.waiting.indexOf(message), 1);
  }
}

interface Fleet {
  folder: string;
  specs: ClusterSpec[];
}

function writeFleet(input: FleetFanOutInput): Fleet {
  const folder = mkdtempSync(path.join(tmpdir(), 'eks-pilot-fleet-fan-out-'));
  const perAccount = Math.ceil(input.clusters / input.accounts);
  const groups = Array.from({ length: input.nodeGroups }, (_, index) => ({ name: `ng-${String(index + 1).padStart(2, '0')}`, min: 2, max: 6 }));
  for (let index = 0; index < input.clusters; index++) {
    const account = Math.floor(index / perAccount);
    const name = `a${String(account + 1).padStart(2, '0')}-c${String((index % perAccount) + 1).padStart(3, '0')}`;
    const yaml = minimalSpecYaml({ name, region: 'us-east-1', account: String(100000000000 + account + 1), nodeGroups: groups });
    writeFileSync(path.join(folder, `${name}.yaml`), yaml);
  }
  return { folder, specs: [] };
}

interface RunOptions {
  label: string;
  fanOut: boolean;
  failing?: string;
}

async function simulate(
  input: FleetFanOutInput,
  fleet: Fleet,
  options: RunOptions,
): Promise<{ run: FleetFanOutRun; queue?: SimulatedQueue; lastDelaySeconds: number }> {
  const clock = new VirtualClock();
  const rng = random(7);
  const accounts = new Map<string, { fake: FakeEks; account: Account }>();
  for (const spec of fleet.specs) {
    const key = `${accountOf(spec) ?? ''}/${spec.region}`;
    let entry = accounts.get(key);
    if (entry === undefined) {
      entry = { fake: new FakeEks({ region: spec.region }), account: new Account(BUCKET) };
      accounts.set(key, entry);
    }
    entry.fake.seedFromSpec(spec);
  }
  const ports = new Map<string, EksPort>();
  const quiet = { info: () => undefined, warn: () => undefined, error: () => undefined };
  const queue = new SimulatedQueue(clock, input.visibilityTimeoutSeconds * 1000, input.maxReceiveCount);
  const deps: InvokeDeps = {
    eksFor: (spec) => {
      let port = ports.get(spec.name);
      if (port === undefined) {
        const entry = accounts.get(`${accountOf(spec) ?? ''}/${spec.region}`);
        if (entry === undefined) throw new Error(`no account for ${spec.name}`);
        port = simulatedEks(entry.fake, entry.account, clock, rng, spec.name === options.failing);
        ports.set(spec.name, port);
      }
      return port;
    },
    now: () => new Date(T0 + clock.now),
    logger: quiet,
    specPaths: [fleet.folder],
    ...(options.fanOut ? { fleetQueue: queue } : {}),
  };
  const schedule = { 'detail-type': 'Scheduled Event' as const, source: 'aws.events' as const, time: new Date(T0).toISOString(), resources: [] };
  const reported = new Map<string, number>();
  let invocations = 0;
  let lastDelaySeconds = 0;

  const main = async (): Promise<void> => {
    invocations += 1;
    await clock.sleep(COLD_MS);
    if (!options.fanOut) {
      const response = await handleProvisionEvent(schedule, deps);
      for (const report of response.reports) if (report.status === 'Converged') reported.set(report.cluster, clock.now);
      return;
    }
    let sent = false;
    const fanning = handleProvisionEvent(schedule, deps).then((response) => {
      sent = true;
      lastDelaySeconds = response.fannedOut?.lastDelaySeconds ?? 0;
    });
    const worker = async (): Promise<void> => {
      let warm = false;
      for (;;) {
        const message = queue.receive();
        if (message === undefined) {
          const next = queue.nextVisibleAt();
          if (next === undefined && sent) return;
          // Lambda's pollers long-poll: a message is picked up as it becomes visible.
          await clock.sleep(next === undefined ? 100 : Math.max(1, next - clock.now));
          continue;
        }
        invocations += 1;
        await clock.sleep(warm ? WARM_MS : COLD_MS);
        warm = true;
        const record = { messageId: message.id, body: message.body, eventSource: 'aws:sqs' as const };
        const { batchItemFailures } = await handleProvisionBatch({ Records: [record] }, deps);
        if (batchItemFailures.length === 0) {
          queue.remove(message);
          reported.set((JSON.parse(message.body) as { cluster: string }).cluster, clock.now);
        }
      }
    };
    await Promise.all([fanning, ...Array.from({ length: input.maximumConcurrency }, worker)]);
  };
  await clock.run(main());

  const healthy = fleet.specs.filter((spec) => spec.name !== options.failing);
  const times = healthy.map((spec) => reported.get(spec.name)).filter((time) => time !== undefined);
  const all = [...accounts.values()].map(({ account }) => account);
  const dead = queue.deadLetters.find(({ message }) => options.failing !== undefined && message.body.includes(`"cluster":"${options.failing}"`));
  const failingMessage = [...queue.waiting, ...queue.deadLetters.map(({ message }) => message)].find(
    (message) => options.failing !== undefined && message.body.includes(`"cluster":"${options.failing}"`),
  );
  return {
    run: {
      label: options.label,
      allReportedSeconds: round(Math.max(0, ...times) / 1000),
      healthyReported: times.length,
      healthy: healthy.length,
      invocations,
      requests: all.reduce((sum, account) => sum + account.requests.length, 0),
      throttled: all.reduce((sum, account) => sum + account.throttled, 0),
      peakPerSecond: Math.max(...all.map((account) => peakIn(account.requests, 1000))),
      peak10sPerSecond: round(Math.max(...all.map((account) => peakIn(account.requests, 10_000))) / 10),
      ...(options.failing === undefined
        ? {}
        : { failing: { cluster: options.failing, receives: failingMessage?.receives ?? 0, deadLetteredSeconds: dead ? round(dead.at / 1000) : null } }),
    },
    ...(options.fanOut ? { queue } : {}),
    lastDelaySeconds,
  };
}

/** The most requests in any window of `windowMs` (sliding, over sorted request times). */
function peakIn(times: readonly number[], windowMs: number): number {
  const sorted = [...times].sort((a, b) => a - b);
  let peak = 0;
  let start = 0;
  for (let end = 0; end < sorted.length; end++) {
    while ((sorted[end] as number) - (sorted[start] as number) >= windowMs) start++;
    peak = Math.max(peak, end - start + 1);
  }
  return peak;
}

const round = (value: number): number => Math.round(value * 10) / 10;

async function measure(input: FleetFanOutInput): Promise<FleetFanOutFigures> {
  const started = process.hrtime.bigint();
  const fleet = writeFleet(input);
  try {
    // Loaded once, as a warm container holds them: the simulation itself does no file I/O.
    fleet.specs = (await loadSpecsOnce([fleet.folder])).map((loaded) => loaded.spec);
    const failing = fleet.specs[0]?.name ?? '';
    const healthy = await simulate(input, fleet, { label: 'fan-out, healthy fleet', fanOut: true });
    const withFailing = await simulate(input, fleet, { label: `fan-out, ${failing} always failing`, fanOut: true, failing });
    const inline = await simulate(input, fleet, { label: 'one invocation, concurrency 4 (before)', fanOut: false });
    return {
      clusters: input.clusters,
      nodeGroups: input.nodeGroups,
      accounts: input.accounts,
      maximumConcurrency: input.maximumConcurrency,
      visibilityTimeoutSeconds: input.visibilityTimeoutSeconds,
      maxReceiveCount: input.maxReceiveCount,
      bucket: BUCKET,
      latencyMs: LATENCY,
      queued: healthy.queue?.batches === undefined ? 0 : input.clusters,
      sendBatches: healthy.queue?.batches ?? 0,
      lastDelaySeconds: healthy.lastDelaySeconds,
      runs: [healthy.run, withFailing.run, inline.run],
      wallSeconds: round(Number(process.hrtime.bigint() - started) / 1e9),
    };
  } finally {
    rmSync(fleet.folder, { recursive: true, force: true });
  }
}

scenarioMain((input) => measure(input as FleetFanOutInput));
