// Editing a doctor's weekly blocks before SetDoctorSchedule replaces them: drafts as the
// inputs hold them, checked here the way the service checks them (and for overlaps, which
// it leaves to the admin), then turned into WeeklyBlocks.
import type { MessageInitShape } from "@bufbuild/protobuf";
import { DayOfWeek } from "@hms/sdk/google/type/dayofweek_pb";
import type { WeeklyBlock, WeeklyBlockSchema } from "@hms/sdk/hms/appointment/v1/appointment_pb";

export interface BlockDraft {
  /** Local key of the row. */
  key: string;
  day: DayOfWeek;
  /** "HH:MM" as a time input gives it. */
  start: string;
  end: string;
  /** "YYYY-MM-DD" or "". */
  validFrom: string;
  validTo: string;
}

export type BlockField = "day" | "start" | "end" | "validFrom" | "validTo";
export type BlockProblem =
  "required" | "fiveMinutes" | "endBeforeStart" | "toBeforeFrom" | "overlap";

export interface BlockIssue {
  index: number;
  field: BlockField;
  problem: BlockProblem;
  /** For overlaps: the other block's index. */
  other?: number;
}

export const WEEK: DayOfWeek[] = [
  DayOfWeek.MONDAY,
  DayOfWeek.TUESDAY,
  DayOfWeek.WEDNESDAY,
  DayOfWeek.THURSDAY,
  DayOfWeek.FRIDAY,
  DayOfWeek.SATURDAY,
  DayOfWeek.SUNDAY,
];

let counter = 0;
export function newKey(): string {
  counter += 1;
  return `b${String(counter)}`;
}

const pad = (n: number, w = 2) => String(n).padStart(w, "0");

/** Minutes since midnight of "HH:MM"; undefined when not a time ("24:00" is the day's end). */
export function minutesOf(text: string): number | undefined {
  const m = /^(\d{1,2}):(\d{2})$/.exec(text.trim());
  if (!m) return undefined;
  const h = Number(m[1]);
  const min = Number(m[2]);
  if (min > 59 || h > 24 || (h === 24 && min > 0)) return undefined;
  return h * 60 + min;
}

function dateText(d: { year: number; month: number; day: number } | undefined): string {
  return d ? `${pad(d.year, 4)}-${pad(d.month)}-${pad(d.day)}` : "";
}

function parseDate(text: string): { year: number; month: number; day: number } | undefined {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(text);
  return m ? { year: Number(m[1]), month: Number(m[2]), day: Number(m[3]) } : undefined;
}

export function draftsFrom(blocks: WeeklyBlock[]): BlockDraft[] {
  return sortDrafts(
    blocks.map((b) => ({
      key: newKey(),
      day: b.dayOfWeek,
      start: b.startTime ? `${pad(b.startTime.hours)}:${pad(b.startTime.minutes)}` : "",
      end: b.endTime ? `${pad(b.endTime.hours)}:${pad(b.endTime.minutes)}` : "",
      validFrom: dateText(b.validFrom),
      validTo: dateText(b.validTo),
    })),
  );
}

/** Monday first, then by start. */
export function sortDrafts(drafts: BlockDraft[]): BlockDraft[] {
  const order = (d: DayOfWeek) => (d === DayOfWeek.DAY_OF_WEEK_UNSPECIFIED ? 8 : d);
  return [...drafts].sort(
    (a, b) => order(a.day) - order(b.day) || (minutesOf(a.start) ?? 0) - (minutesOf(b.start) ?? 0),
  );
}

/** One block of `start`–`end` on each of `days` that has no block overlapping it yet. */
export function addDays(
  drafts: BlockDraft[],
  days: DayOfWeek[],
  start: string,
  end: string,
): BlockDraft[] {
  const added = days.map((day) => ({ key: newKey(), day, start, end, validFrom: "", validTo: "" }));
  const result = [...drafts];
  for (const block of added) {
    const candidate = [...result, block];
    if (!validateBlocks(candidate).some((i) => i.problem === "overlap")) result.push(block);
  }
  return sortDrafts(result);
}

/** Whether two validity ranges ("" = open) share a day. */
function validityOverlaps(a: BlockDraft, b: BlockDraft): boolean {
  const aFrom = a.validFrom || "0000-00-00";
  const aTo = a.validTo || "9999-99-99";
  const bFrom = b.validFrom || "0000-00-00";
  const bTo = b.validTo || "9999-99-99";
  return aFrom <= bTo && bFrom <= aTo;
}

export function validateBlocks(drafts: BlockDraft[]): BlockIssue[] {
  const issues: BlockIssue[] = [];
  const spans: ({ start: number; end: number } | undefined)[] = [];
  drafts.forEach((d, index) => {
    if (d.day === DayOfWeek.DAY_OF_WEEK_UNSPECIFIED)
      issues.push({ index, field: "day", problem: "required" });
    const start = minutesOf(d.start);
    const end = minutesOf(d.end);
    if (start === undefined) issues.push({ index, field: "start", problem: "required" });
    else if (start % 5 !== 0) issues.push({ index, field: "start", problem: "fiveMinutes" });
    if (end === undefined) issues.push({ index, field: "end", problem: "required" });
    else if (end % 5 !== 0) issues.push({ index, field: "end", problem: "fiveMinutes" });
    if (start !== undefined && end !== undefined && end <= start)
      issues.push({ index, field: "end", problem: "endBeforeStart" });
    if (d.validFrom && d.validTo && d.validTo < d.validFrom)
      issues.push({ index, field: "validTo", problem: "toBeforeFrom" });
    spans.push(
      start !== undefined && end !== undefined && end > start ? { start, end } : undefined,
    );
  });
  drafts.forEach((a, i) => {
    const sa = spans[i];
    if (!sa) return;
    for (let j = 0; j < i; j++) {
      const b = drafts[j];
      const sb = spans[j];
      if (!b || !sb || b.day !== a.day || !validityOverlaps(a, b)) continue;
      if (sa.start < sb.end && sb.start < sa.end) {
        issues.push({ index: i, field: "start", problem: "overlap", other: j });
        break;
      }
    }
  });
  return issues;
}

/** A google.type.TimeOfDay; a block to midnight ends at 24:00, as TimeOfDay allows. */
function timeOfDay(text: string): { hours: number; minutes: number } {
  const m = minutesOf(text) ?? 0;
  return { hours: Math.floor(m / 60), minutes: m % 60 };
}

export function toBlocks(drafts: BlockDraft[]): MessageInitShape<typeof WeeklyBlockSchema>[] {
  return sortDrafts(drafts).map((d) => ({
    dayOfWeek: d.day,
    startTime: timeOfDay(d.start),
    endTime: timeOfDay(d.end),
    validFrom: parseDate(d.validFrom),
    validTo: parseDate(d.validTo),
  }));
}

/** Server field paths (`blocks[3].end_time`) of the sorted blocks → the draft's key. */
export function blockFieldKey(drafts: BlockDraft[], path: string): string | undefined {
  const m = /^blocks\[(\d+)\]/.exec(path);
  if (!m) return undefined;
  return sortDrafts(drafts)[Number(m[1])]?.key;
}
