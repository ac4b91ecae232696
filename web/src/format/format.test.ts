// Formatting: instants in the clinic's zone whatever the machine's zone, calendar days,
// weeks from Monday, and money in its currency's minor units.
import { describe, expect, it } from "vitest";
import { timestampFromDate } from "@bufbuild/protobuf/wkt";
import {
  addDays,
  dayInZone,
  dayKey,
  formatDay,
  formatMoney,
  formatTime,
  hourInZone,
  minorDigits,
  weekStart,
} from "./index";

// 2026-12-07T02:30Z is 09:30 on Monday 7 December in Ho Chi Minh City (UTC+7).
const instant = new Date(Date.UTC(2026, 11, 7, 2, 30));

describe("times in the clinic's zone", () => {
  it("shows the wall-clock time of the zone", () => {
    expect(formatTime(instant, "Asia/Ho_Chi_Minh", "en")).toBe("09:30");
    expect(formatTime(timestampFromDate(instant), "Asia/Ho_Chi_Minh", "vi")).toBe("09:30");
    expect(formatTime(instant, "Europe/Paris", "en")).toBe("03:30");
  });

  it("puts an instant on the zone's day", () => {
    // 20:00Z on the 6th is already the 7th in Vietnam.
    const evening = new Date(Date.UTC(2026, 11, 6, 20, 0));
    expect(dayInZone(evening, "Asia/Ho_Chi_Minh")).toEqual({ year: 2026, month: 12, day: 7 });
    expect(dayInZone(evening, "UTC")).toEqual({ year: 2026, month: 12, day: 6 });
    expect(hourInZone(evening, "Asia/Ho_Chi_Minh")).toBe(3);
  });
});

describe("calendar days", () => {
  it("adds days across months and years", () => {
    expect(addDays({ year: 2026, month: 12, day: 30 }, 3)).toEqual({
      year: 2027,
      month: 1,
      day: 2,
    });
    expect(addDays({ year: 2028, month: 3, day: 1 }, -1)).toEqual({
      year: 2028,
      month: 2,
      day: 29,
    });
  });

  it("starts weeks on Monday", () => {
    expect(weekStart({ year: 2026, month: 12, day: 7 })).toEqual({ year: 2026, month: 12, day: 7 });
    expect(weekStart({ year: 2026, month: 12, day: 13 })).toEqual({
      year: 2026,
      month: 12,
      day: 7,
    });
    expect(weekStart({ year: 2027, month: 1, day: 1 })).toEqual({ year: 2026, month: 12, day: 28 });
  });

  it("formats a day without shifting it by a zone", () => {
    expect(formatDay({ year: 2026, month: 12, day: 7 }, "en")).toBe("Mon 7 Dec");
    expect(dayKey({ year: 2026, month: 1, day: 5 })).toBe("2026-01-05");
  });
});

describe("money", () => {
  it("knows the minor digits of currencies", () => {
    expect(minorDigits("VND")).toBe(0);
    expect(minorDigits("USD")).toBe(2);
    expect(minorDigits("JPY")).toBe(0);
  });

  it("shows VND without minor digits", () => {
    const vnd = formatMoney({ amountMinor: 150000n, currency: "VND" }, "vi");
    expect(vnd.replace(/\s/g, " ")).toBe("150.000 ₫");
    expect(formatMoney({ amountMinor: 150000n, currency: "VND" }, "en")).toBe("₫150,000");
  });

  it("shows cents of USD", () => {
    expect(formatMoney({ amountMinor: 1234n, currency: "USD" }, "en")).toBe("US$12.34");
  });

  it("defaults an empty currency to VND", () => {
    expect(formatMoney({ amountMinor: 5000n, currency: "" }, "en")).toBe("₫5,000");
  });
});
