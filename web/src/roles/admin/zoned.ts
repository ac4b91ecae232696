// Calendar days of the clinic as instants, for the filters that take a time range (audit
// log, delivery log): a day starts at midnight in the clinic's zone, not the browser's.
import { timestampFromDate, type Timestamp } from "@bufbuild/protobuf/wkt";
import { addDays, type Day } from "../../format";

/** How far the zone's wall clock is ahead of UTC at the instant `ms`, in milliseconds. */
function offsetAt(ms: number, zone: string): number {
  const parts = new Intl.DateTimeFormat("en-US", {
    timeZone: zone,
    hourCycle: "h23",
    year: "numeric",
    month: "2-digit",
    day: "2-digit",
    hour: "2-digit",
    minute: "2-digit",
    second: "2-digit",
  }).formatToParts(new Date(ms));
  const get = (type: string) => Number(parts.find((p) => p.type === type)?.value ?? "0");
  const wall = Date.UTC(
    get("year"),
    get("month") - 1,
    get("day"),
    get("hour"),
    get("minute"),
    get("second"),
  );
  return wall - Math.floor(ms / 1000) * 1000;
}

/** The instant the day starts in the zone. */
export function startOfDay(day: Day, zone: string): Date {
  const midnight = Date.UTC(day.year, day.month - 1, day.day);
  let guess = midnight - offsetAt(midnight, zone);
  // Once more, in case the offset changed between the two (a DST change that night).
  guess = midnight - offsetAt(guess, zone);
  return new Date(guess);
}

/** [start of `from`, start of the day after `to`) as Timestamps; either may be missing. */
export function dayRange(
  from: Day | undefined,
  to: Day | undefined,
  zone: string,
): { startTime?: Timestamp; endTime?: Timestamp } {
  return {
    ...(from ? { startTime: timestampFromDate(startOfDay(from, zone)) } : {}),
    ...(to ? { endTime: timestampFromDate(startOfDay(addDays(to, 1), zone)) } : {}),
  };
}
