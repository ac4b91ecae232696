// Dates, times and money as people read them: instants in the clinic's time zone (not the
// browser's), calendar dates as plain days, and amounts in their currency's minor units.
import { timestampDate, type Timestamp } from "@bufbuild/protobuf/wkt";
import type { Money } from "@hms/sdk/hms/common/v1/money_pb";
import type { Lang } from "../i18n";

/** The appointment service's default zone, until a response names the configured one. */
export const DEFAULT_ZONE = "Asia/Ho_Chi_Minh";

/** A calendar day, as google.type.Date carries it (month 1–12). */
export interface Day {
  year: number;
  month: number;
  day: number;
}

const locales: Record<Lang, string> = { en: "en-GB", vi: "vi-VN" };

export function locale(lang: Lang): string {
  return locales[lang];
}

function toDate(t: Timestamp | Date): Date {
  return t instanceof Date ? t : timestampDate(t);
}

/** "Mon 8 Dec 2026, 09:30" in the zone. */
export function formatDateTime(t: Timestamp | Date, zone: string, lang: Lang): string {
  return new Intl.DateTimeFormat(locale(lang), {
    timeZone: zone,
    weekday: "short",
    day: "numeric",
    month: "short",
    year: "numeric",
    hour: "2-digit",
    minute: "2-digit",
    hourCycle: "h23",
  }).format(toDate(t));
}

/** "09:30" in the zone. */
export function formatTime(t: Timestamp | Date, zone: string, lang: Lang): string {
  return new Intl.DateTimeFormat(locale(lang), {
    timeZone: zone,
    hour: "2-digit",
    minute: "2-digit",
    hourCycle: "h23",
  }).format(toDate(t));
}

/** A calendar day, e.g. "Mon 8 Dec"; it is a date, not an instant, so no zone applies. */
export function formatDay(d: Day, lang: Lang, withYear = false): string {
  return new Intl.DateTimeFormat(locale(lang), {
    timeZone: "UTC",
    weekday: "short",
    day: "numeric",
    month: "short",
    ...(withYear ? { year: "numeric" } : {}),
  }).format(new Date(Date.UTC(d.year, d.month - 1, d.day)));
}

/** The day an instant falls on in the zone. */
export function dayInZone(t: Timestamp | Date, zone: string): Day {
  const parts = new Intl.DateTimeFormat("en-CA", {
    timeZone: zone,
    year: "numeric",
    month: "2-digit",
    day: "2-digit",
  }).formatToParts(toDate(t));
  const get = (type: string) => Number(parts.find((p) => p.type === type)?.value ?? "0");
  return { year: get("year"), month: get("month"), day: get("day") };
}

/** The hour (0–23) of an instant in the zone. */
export function hourInZone(t: Timestamp | Date, zone: string): number {
  const parts = new Intl.DateTimeFormat("en-GB", {
    timeZone: zone,
    hour: "2-digit",
    hourCycle: "h23",
  }).formatToParts(toDate(t));
  return Number(parts.find((p) => p.type === "hour")?.value ?? "0");
}

export function addDays(d: Day, days: number): Day {
  const date = new Date(Date.UTC(d.year, d.month - 1, d.day + days));
  return { year: date.getUTCFullYear(), month: date.getUTCMonth() + 1, day: date.getUTCDate() };
}

/** The Monday of the day's week (weeks run Monday to Sunday, as the clinic's reports do). */
export function weekStart(d: Day): Day {
  const weekday = new Date(Date.UTC(d.year, d.month - 1, d.day)).getUTCDay(); // 0 = Sunday
  return addDays(d, -((weekday + 6) % 7));
}

export function dayKey(d: Day): string {
  const pad = (n: number, w: number) => String(n).padStart(w, "0");
  return `${pad(d.year, 4)}-${pad(d.month, 2)}-${pad(d.day, 2)}`;
}

export function compareDays(a: Day, b: Day): number {
  return dayKey(a).localeCompare(dayKey(b));
}

/** How many minor units one major unit has: 0 for VND, 2 for USD, as Intl knows them. */
export function minorDigits(currency: string): number {
  try {
    return (
      new Intl.NumberFormat("en", { style: "currency", currency }).resolvedOptions()
        .maximumFractionDigits ?? 2
    );
  } catch {
    return 2;
  }
}

/** An amount in its currency: "150.000 ₫" (vi) or "₫150,000" (en); VND never shows decimals. */
export function formatMoney(money: Pick<Money, "amountMinor" | "currency">, lang: Lang): string {
  const currency = money.currency || "VND";
  const digits = minorDigits(currency);
  const amount = Number(money.amountMinor) / 10 ** digits;
  try {
    return new Intl.NumberFormat(locale(lang), {
      style: "currency",
      currency,
      minimumFractionDigits: digits,
      maximumFractionDigits: digits,
    }).format(amount);
  } catch {
    return `${amount.toFixed(digits)} ${currency}`;
  }
}
