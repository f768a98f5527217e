/**
 * The "done when", for the kianax example, through the invocation layer with the sample
 * events of events/scale-watch and provision's own drift check on the same fake account.
 */
import path from 'node:path';
import type { ScaleWatchEvent } from '../../../functions/scale-watch/event';
import { scaleWatchEventSchema } from '../../../functions/scale-watch/event';
import type { InvokeDeps } from '../../../functions/scale-watch/invoke';
import type { EventNotifier } from '../../../shared/ports/notifier';
import { handleScaleWatchEvent } from '../../../functions/scale-watch/invoke';
import { reconcileCluster } from '../../../functions/provision/run';
import type { RunLogger } from '../../../shared/reconcile/run-logger';
import alarmEvent from '../../../events/scale-watch/alarm-kianax-cpu.json';
import okEvent from '../../../events/scale-watch/ok-kianax-cpu.json';
import scheduleEvent from '../../../events/scale-watch/schedule.json';
import { FakeEks } from '../../../testing/fake-eks';
import { FakeCloudWatch, FakeKubernetes, hpa } from '../../../testing/scale-watch-fakes';
import { ALARM_NAME, KIANAX, kianax, minutes } from './support';

const ALARM_AT = new Date('2026-11-22T12:00:00Z');

function parse(event: unknown): ScaleWatchEvent {
  return scaleWatchEventSchema.parse(event);
}

/** The sample event, as CloudWatch would send it for a later transition of the same alarm. */
function alarmAt(at: Date, id: string): unknown {
  const stamp = at.toISOString().replace('Z', '+0000');
  return { ...alarmEvent, id, time: at.toISOString(), detail: { ...alarmEvent.detail, state: { ...alarmEvent.detail.state, timestamp: stamp } } };
}

describe("kianax: an ALARM on the general node group's CPU alarm, then OK", () => {
  it('raises one step within ceilings, ignores a second ALARM in the cooldown, restores the spec after the hold, and provision sees no drift meanwhile', async () => {
    // Prepare
    const spec = await kianax();
    const eks = new FakeEks({ region: spec.region });
    eks.seedFromSpec(spec);
    const cloudWatch = new FakeCloudWatch();
    cloudWatch.setState(ALARM_NAME, 'OK', minutes(ALARM_AT, -120));
    const k8s = new FakeKubernetes();
    k8s.put(hpa('kianax', 'kianax-api'));
    k8s.put(hpa('kianax', 'kianax-web'));
    const published: string[] = [];
    const notifier: EventNotifier = { send: (message) => Promise.resolve(void published.push(message.subject)) };
    const logger: RunLogger = { info: () => undefined, warn: () => undefined, error: () => undefined };
    let now = minutes(ALARM_AT, 0.1);
    const deps: InvokeDeps = {
      eksFor: () => eks,
      cloudWatchFor: () => cloudWatch,
      kubernetesFor: () => Promise.resolve(k8s),
      now: () => now,
      logger,
      specPaths: [path.join(KIANAX, 'cluster.yaml')],
      notifier,
    };
    const bounds = (): string[] => [
      `general-ng max ${String(eks.nodegroup('kianax', 'general-ng')?.scalingConfig?.maxSize)}`,
      ...['kianax-api', 'kianax-web'].map(
        (name) => `${name} max ${String((k8s.object('HorizontalPodAutoscaler', 'kianax', name)?.spec as { maxReplicas?: number }).maxReplicas)}`,
      ),
    ];
    const provisionDrift = async (at: Date): Promise<string[]> => {
      const report = await reconcileCluster(spec, { eksFor: () => eks, now: () => at, logger }, { mode: 'plan' });
      return report.drift;
    };

    // Act + Assess: the ALARM.
    cloudWatch.setState(ALARM_NAME, 'ALARM', ALARM_AT);
    const raised = await handleScaleWatchEvent(parse(alarmEvent), deps);
    eks.settle();
    expect(raised.rules.map((report) => [report.rule, report.decision, report.status])).toEqual([['general-ng-cpu', 'step', 'Converged']]);
    expect(bounds()).toEqual(['general-ng max 8', 'kianax-api max 15', 'kianax-web max 15']);
    expect(published).toEqual(['eks-pilot scale.stepped: kianax/general-ng-cpu']);
    expect(await provisionDrift(minutes(ALARM_AT, 5))).toEqual([]);

    // The same event again (Lambda may deliver it twice): nothing moves.
    now = minutes(ALARM_AT, 1);
    const duplicate = await handleScaleWatchEvent(parse(alarmEvent), deps);
    expect(duplicate.rules[0]?.status).toBe('Converged');

    // A second ALARM transition inside the 10-minute cooldown: nothing moves.
    cloudWatch.setState(ALARM_NAME, 'OK', minutes(ALARM_AT, 3));
    cloudWatch.setState(ALARM_NAME, 'ALARM', minutes(ALARM_AT, 5));
    now = minutes(ALARM_AT, 5.1);
    const second = await handleScaleWatchEvent(parse(alarmAt(minutes(ALARM_AT, 5), 'second-alarm')), deps);
    eks.settle();
    expect(second.rules[0]?.decision).toBe('cooldown');
    expect(second.rules[0]?.boundChanges).toEqual([]);
    expect(bounds()).toEqual(['general-ng max 8', 'kianax-api max 15', 'kianax-web max 15']);

    // OK at 12:20: bounds held for the 15-minute hold time, still no drift for provision.
    cloudWatch.setState(ALARM_NAME, 'OK', minutes(ALARM_AT, 20));
    now = minutes(ALARM_AT, 20.1);
    const ok = await handleScaleWatchEvent(parse(okEvent), deps);
    eks.settle();
    expect(ok.rules[0]?.decision).toBe('hold');
    expect(bounds()).toEqual(['general-ng max 8', 'kianax-api max 15', 'kianax-web max 15']);
    expect(await provisionDrift(minutes(ALARM_AT, 30))).toEqual([]);

    // The schedule after the hold time: the spec's values, exactly.
    now = minutes(ALARM_AT, 36);
    const back = await handleScaleWatchEvent(parse(scheduleEvent), deps);
    eks.settle();
    expect(back.rules[0]?.decision).toBe('return');
    expect(bounds()).toEqual(['general-ng max 6', 'kianax-api max 10', 'kianax-web max 10']);
    expect(eks.nodegroup('kianax', 'general-ng')?.tags).toEqual({});
    expect(k8s.object('HorizontalPodAutoscaler', 'kianax', 'kianax-api')?.metadata.annotations).toEqual({});
    expect(await provisionDrift(minutes(ALARM_AT, 40))).toEqual([]);
  });
});
