import { frozenAt, holdReason, holdsOf, instantOf, windowEnd } from '../../../../functions/deploy/model/gate';
import type { FreezeWindow } from '../../../../shared/model/cluster-spec/environments';

const iso = (at: number | undefined): string | undefined => (at === undefined ? undefined : new Date(at).toISOString());

describe('freeze windows', () => {
  // Europe/London: BST starts 2026-03-29 01:00 UTC and ends 2026-10-25 01:00 UTC.
  // America/New_York: EDT starts 2026-03-08 07:00 UTC and ends 2026-11-01 06:00 UTC.
  const london: FreezeWindow = { days: ['fri', 'sat'], from: '16:00', to: '23:59', timeZone: 'Europe/London' };
  const sundayNight: FreezeWindow = { days: ['sun'], from: '00:30', to: '01:30', timeZone: 'Europe/London' };
  const newYork: FreezeWindow = { days: ['sat'], from: '22:00', to: '02:59', timeZone: 'America/New_York' };
  const christmas: FreezeWindow = { from: '2026-12-20', to: '2027-01-02', timeZone: 'Europe/Berlin' };

  it.each([
    ['a Friday in winter (GMT): 16:00 London is 16:00 UTC', london, '2026-11-27T16:00:00Z', '2026-11-28T00:00:00.000Z'],
    ['a Friday in summer (BST): 16:00 London is 15:00 UTC', london, '2026-06-05T15:00:00Z', '2026-06-05T23:00:00.000Z'],
    ['15:59 London in summer is before the window', london, '2026-06-05T14:59:00Z', undefined],
    ['16:00 UTC in winter is 16:00 London: inside', london, '2026-11-27T16:00:00Z', '2026-11-28T00:00:00.000Z'],
    ['23:59:59 London is still inside (both ends inclusive to the minute)', london, '2026-11-28T23:59:59Z', '2026-11-29T00:00:00.000Z'],
    ['a Thursday is outside', london, '2026-11-26T18:00:00Z', undefined],
    ['the Saturday before clocks go back (BST): ends at 23:00 UTC', london, '2026-10-24T20:00:00Z', '2026-10-24T23:00:00.000Z'],
    ['the Saturday after clocks go forward (BST): ends at 23:00 UTC', london, '2026-04-04T20:00:00Z', '2026-04-04T23:00:00.000Z'],
    ['the night clocks go back: 01:30 London happens twice, the window ends after the second', sundayNight, '2026-10-25T00:10:00Z', '2026-10-25T01:31:00.000Z'],
    [
      'the night clocks go forward: 01:00-02:00 London never happens, the window ends at the jump',
      sundayNight,
      '2026-03-29T00:45:00Z',
      '2026-03-29T01:00:00.000Z',
    ],
    ['past midnight in New York, started Saturday (EST)', newYork, '2026-11-29T05:00:00Z', '2026-11-29T08:00:00.000Z'],
    ['past midnight in New York across the fall back: 02:59 EST is 07:59 UTC', newYork, '2026-11-01T03:00:00Z', '2026-11-01T08:00:00.000Z'],
    ['past midnight in New York across the spring forward: 02:59 does not exist', newYork, '2026-03-08T04:00:00Z', '2026-03-08T07:00:00.000Z'],
    ['Sunday 03:00 New York is after it', newYork, '2026-11-29T08:00:00Z', undefined],
    ['a date range, first minute in Berlin (CET)', christmas, '2026-12-19T23:00:00Z', '2027-01-02T23:00:00.000Z'],
    ['a date range, an hour before it in Berlin', christmas, '2026-12-19T22:59:00Z', undefined],
    ['a date range, its last minute in Berlin', christmas, '2027-01-02T22:59:59Z', '2027-01-02T23:00:00.000Z'],
  ])('%s', (_, window, at, end) => {
    // Prepare
    const instant = Date.parse(at);

    // Act
    const result = windowEnd(window, instant);

    // Assess
    expect(iso(result)).toBe(end);
  });

  it.each([
    ['a wall time shown once', Date.UTC(2026, 6, 1, 12, 0), 'Europe/London', '2026-07-01T11:00:00.000Z'],
    ['a wall time shown twice (clocks go back): the second showing', Date.UTC(2026, 9, 25, 1, 30), 'Europe/London', '2026-10-25T01:30:00.000Z'],
    ['a wall time that never shows (clocks go forward): the end of the gap', Date.UTC(2026, 2, 29, 1, 30), 'Europe/London', '2026-03-29T01:00:00.000Z'],
    ['a zone east of UTC', Date.UTC(2026, 0, 1, 0, 0), 'Asia/Tokyo', '2025-12-31T15:00:00.000Z'],
  ])('finds the instant of %s', (_, wall, timeZone, expected) => {
    // Prepare
    const zone = timeZone;

    // Act
    const instant = instantOf(wall, zone);

    // Assess
    expect(new Date(instant).toISOString()).toBe(expected);
  });

  it('follows windows that touch to the end of the last one', () => {
    // Prepare
    const windows: FreezeWindow[] = [
      { days: ['fri'], from: '16:00', to: '23:59', timeZone: 'UTC' },
      { days: ['sat'], from: '00:00', to: '11:59', timeZone: 'UTC' },
    ];

    // Act
    const frozen = frozenAt(windows, new Date('2026-11-27T20:00:00Z'));

    // Assess
    expect(frozen).toEqual({ until: new Date('2026-11-28T12:00:00.000Z'), window: 'fri 16:00-23:59 (UTC)' });
  });

  it('says a freeze with no end in sight has none rather than looping', () => {
    // Prepare
    const always: FreezeWindow[] = [{ days: ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'], from: '00:00', to: '23:59', timeZone: 'UTC' }];

    // Act
    const frozen = frozenAt(always, new Date('2026-11-27T20:00:00Z'));

    // Assess
    expect(frozen).toEqual({ window: 'mon, tue, wed, thu, fri, sat, sun 00:00-23:59 (UTC)' });
    expect(holdReason({ approval: false, ...(frozen ? { frozen } : {}) })).toBe(
      'frozen with no end in sight (mon, tue, wed, thu, fri, sat, sun 00:00-23:59 (UTC))',
    );
  });

  it.each([
    ['no gate', undefined, { approved: false, forced: false }, undefined],
    ['approval required, none given', { name: 'prod', approval: 'required' as const, freeze: [] }, { approved: false, forced: false }, 'approval required'],
    ['approval required and given', { name: 'prod', approval: 'required' as const, freeze: [] }, { approved: true, forced: false }, undefined],
    [
      'a freeze in force',
      { name: 'prod', approval: 'none' as const, freeze: [london] },
      { approved: false, forced: false },
      'frozen until 2026-11-28T00:00:00.000Z (fri, sat 16:00-23:59 (Europe/London))',
    ],
    ['a freeze forced through', { name: 'prod', approval: 'none' as const, freeze: [london] }, { approved: false, forced: true }, undefined],
    [
      'both',
      { name: 'prod', approval: 'required' as const, freeze: [london] },
      { approved: false, forced: false },
      'approval required; frozen until 2026-11-28T00:00:00.000Z (fri, sat 16:00-23:59 (Europe/London))',
    ],
  ])('holds a release for %s', (_, gate, given, reason) => {
    // Prepare
    const now = new Date('2026-11-27T17:00:00Z');

    // Act
    const holds = holdsOf(gate, now, given);

    // Assess
    expect(holdReason(holds)).toBe(reason);
  });
});
