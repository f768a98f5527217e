/**
 * Freeze windows and approvals, pure: is an environment frozen at an instant, and until when; does a
 * release need an approval. Time zone maths is `Intl`'s (no dependency): a weekly window is read in
 * wall-clock time of its zone, so it follows daylight saving time (a Friday 16:00 London window
 * starts at 16:00 GMT in winter and 16:00 BST in summer). No clock: `now` is a parameter.
 */
import type { EnvironmentGate, FreezeWindow, Weekday } from '../../../shared/model/cluster-spec/environments';
import { WEEKDAYS } from '../../../shared/model/cluster-spec/runtime';

const MINUTE = 60_000;
const DAY = 24 * 60 * MINUTE;
/** Windows chained end to end are followed this many times; past it, the freeze has no end in sight. */
const MAX_CHAINED = 64;

/** A wall-clock time in a zone: the date and the minute of the day. */
interface Wall {
  /** Days since 1970-01-01 of the wall-clock date. */
  day: number;
  minute: number;
  weekday: Weekday;
}

const formats = new Map<string, Intl.DateTimeFormat>();

function formatFor(timeZone: string): Intl.DateTimeFormat {
  let format = formats.get(timeZone);
  if (format === undefined) {
    format = new Intl.DateTimeFormat('en-US', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
    });
    formats.set(timeZone, format);
  }
  return format;
}

/** The wall-clock minute of `at` in `timeZone`, as milliseconds since the epoch of a UTC clock showing it. */
function wallMs(at: number, timeZone: string): number {
  const parts: Record<string, number> = {};
  for (const part of formatFor(timeZone).formatToParts(new Date(at))) if (part.type !== 'literal') parts[part.type] = Number(part.value);
  return Date.UTC(parts.year ?? 1970, (parts.month ?? 1) - 1, parts.day ?? 1, parts.hour ?? 0, parts.minute ?? 0);
}

function wallOf(at: number, timeZone: string): Wall {
  const ms = wallMs(at, timeZone);
  const day = Math.floor(ms / DAY);
  // 1970-01-01 was a Thursday.
  return { day, minute: Math.floor((ms - day * DAY) / MINUTE), weekday: WEEKDAYS[(day + 3) % 7] as Weekday };
}

/**
 * The first instant at which the wall clock of `timeZone` shows `wall` (milliseconds of a UTC clock
 * showing it) or later: in a gap (clocks going forward) that is the end of the gap, and a time
 * shown twice (clocks going back) counts from its second showing, so a window never ends early.
 *
 * @example
 * instantOf(Date.UTC(2026, 9, 25, 1, 30), 'Europe/London'); // 2026-10-25T01:30:00Z (01:30 GMT, the second 01:30)
 */
export function instantOf(wall: number, timeZone: string): number {
  const offsets = [wallMs(wall - DAY, timeZone) - (wall - DAY), wallMs(wall + DAY, timeZone) - (wall + DAY)];
  const exact = offsets.map((offset) => wall - offset).filter((at) => wallMs(at, timeZone) === wall);
  if (exact.length > 0) return Math.max(...exact);
  // A gap: the first minute whose wall clock is past `wall`.
  let low = wall - Math.max(...offsets);
  let high = wall - Math.min(...offsets);
  while (high - low > MINUTE) {
    const middle = low + Math.floor((high - low) / 2 / MINUTE) * MINUTE;
    if (wallMs(middle, timeZone) >= wall) high = middle;
    else low = middle;
  }
  return high;
}

function parseMinute(time: string): number {
  const [hours, minutes] = time.split(':').map(Number) as [number, number];
  return hours * 60 + minutes;
}

function parseDay(date: string): number {
  const [year, month, day] = date.split('-').map(Number) as [number, number, number];
  return Date.UTC(year, month - 1, day) / DAY;
}

/**
 * When the window that holds `at` ends (the first instant after its last minute), or undefined when
 * `at` is outside it. Both ends are inclusive to the minute: `16:00`-`23:59` holds 23:59:59.
 *
 * @example
 * windowEnd({ days: ['fri'], from: '16:00', to: '23:59', timeZone: 'Europe/London' }, Date.parse('2026-12-04T17:00:00Z'));
 * // Date.parse('2026-12-05T00:00:00Z')
 */
export function windowEnd(window: FreezeWindow, at: number): number | undefined {
  const wall = wallOf(at, window.timeZone);
  if (window.days === undefined) {
    if (wall.day < parseDay(window.from) || wall.day > parseDay(window.to)) return undefined;
    return instantOf((parseDay(window.to) + 1) * DAY, window.timeZone);
  }
  const from = parseMinute(window.from);
  const to = parseMinute(window.to);
  const endOn = (day: number): number => instantOf(day * DAY + (to + 1) * MINUTE, window.timeZone);
  if (from <= to) return window.days.includes(wall.weekday) && wall.minute >= from && wall.minute <= to ? endOn(wall.day) : undefined;
  // Past midnight: it started today (and ends tomorrow) or yesterday (and ends today).
  if (window.days.includes(wall.weekday) && wall.minute >= from) return endOn(wall.day + 1);
  const yesterday = WEEKDAYS[(wall.day + 2) % 7] as Weekday;
  if (window.days.includes(yesterday) && wall.minute <= to) return endOn(wall.day);
  return undefined;
}

/** A freeze in force: since which window, and when it ends (undefined: windows chained beyond sight). */
export interface Frozen {
  until?: Date;
  window: string;
}

/**
 * Whether the windows freeze `now`, and until when: windows that touch or overlap are followed to
 * the end of the last one.
 *
 * @example
 * frozenAt([{ from: '2026-12-20', to: '2027-01-02', timeZone: 'UTC' }], new Date('2026-12-24T10:00:00Z'));
 * // { until: 2027-01-03T00:00:00.000Z, window: '2026-12-20 to 2027-01-02 (UTC)' }
 */
export function frozenAt(windows: readonly FreezeWindow[], now: Date): Frozen | undefined {
  let at = now.getTime();
  let first: FreezeWindow | undefined;
  for (let step = 0; step < MAX_CHAINED; step += 1) {
    const ends = windows.flatMap((window) => {
      const end = windowEnd(window, at);
      return end === undefined ? [] : [{ window, end }];
    });
    if (ends.length === 0) return first === undefined ? undefined : { until: new Date(at), window: describeWindow(first) };
    first ??= ends[0]?.window;
    at = Math.max(...ends.map((item) => item.end));
  }
  return first === undefined ? undefined : { window: describeWindow(first) };
}

/**
 * A window in one line.
 *
 * @example
 * describeWindow({ days: ['fri', 'sat'], from: '16:00', to: '23:59', timeZone: 'Europe/London' }); // 'fri, sat 16:00-23:59 (Europe/London)'
 */
export function describeWindow(window: FreezeWindow): string {
  return window.days === undefined
    ? `${window.from} to ${window.to} (${window.timeZone})`
    : `${window.days.join(', ')} ${window.from}-${window.to} (${window.timeZone})`;
}

/** What holds a release now: an approval still missing, a freeze, both, or nothing. */
export interface Holds {
  approval: boolean;
  frozen?: Frozen;
}

/**
 * What the gate holds a release for at `now`: the approval (when the environment requires one and
 * none was given) and the freeze (unless forced).
 *
 * @example
 * holdsOf({ name: 'prod', approval: 'required', freeze: [] }, now, { approved: false, forced: false }); // { approval: true }
 */
export function holdsOf(gate: EnvironmentGate | undefined, now: Date, given: { approved: boolean; forced: boolean }): Holds {
  const approval = gate?.approval === 'required' && !given.approved;
  const frozen = given.forced || gate === undefined ? undefined : frozenAt(gate.freeze, now);
  return { approval, ...(frozen === undefined ? {} : { frozen }) };
}

/**
 * Why a release waits, in one line; undefined when nothing holds it.
 *
 * @example
 * holdReason({ approval: true, frozen: { until: new Date('2026-12-05T00:00:00Z'), window: 'fri 16:00-23:59 (Europe/London)' } });
 * // 'approval required; frozen until 2026-12-05T00:00:00.000Z (fri 16:00-23:59 (Europe/London))'
 */
export function holdReason(holds: Holds): string | undefined {
  const reasons = [
    ...(holds.approval ? ['approval required'] : []),
    ...(holds.frozen === undefined
      ? []
      : [`frozen ${holds.frozen.until === undefined ? 'with no end in sight' : `until ${holds.frozen.until.toISOString()}`} (${holds.frozen.window})`]),
  ];
  return reasons.length === 0 ? undefined : reasons.join('; ');
}
