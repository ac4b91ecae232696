// The admin screens' logic: token paging, schedule block checks, prices in major units,
// configuration values, template previews, dashboard shaping and clinic days as instants.
import { describe, expect, it } from "vitest";
import { create } from "@bufbuild/protobuf";
import { timestampDate } from "@bufbuild/protobuf/wkt";
import { DayOfWeek } from "@hms/sdk/google/type/dayofweek_pb";
import {
  AppointmentPeriodStatsSchema,
  AppointmentStatus,
  WeeklyBlockSchema,
} from "@hms/sdk/hms/appointment/v1/appointment_pb";
import { BillingStatsSchema, ClaimStatus } from "@hms/sdk/hms/billing/v1/billing_pb";
import {
  ConfigurationType,
  ConfigurationValueSchema,
  SystemConfigurationSchema,
  TileStatusSchema,
} from "@hms/sdk/hms/admin/v1/admin_pb";
import { Role } from "@hms/sdk/hms/common/v1/access_pb";
import { currentToken, firstPage, nextPage, pageNumber, previousPage } from "./paging";
import {
  addDays,
  blockFieldKey,
  draftsFrom,
  minutesOf,
  sortDrafts,
  toBlocks,
  validateBlocks,
  type BlockDraft,
} from "./schedule";
import { amountInput, parseAmount } from "./money";
import { isDefault, parseValue, valueText } from "./config";
import { placeholders, renderPreview, unknownPlaceholders } from "./template";
import { claimRows, moneyByCurrency, statusRows, tileFailure, toMajor } from "./dashboard";
import { dayRange, startOfDay } from "./zoned";
import { parseEnum } from "./enums";

const block = (day: DayOfWeek, start: string, end: string, extra: Partial<BlockDraft> = {}) => ({
  key: `${String(day)}-${start}`,
  day,
  start,
  end,
  validFrom: "",
  validTo: "",
  ...extra,
});

describe("paging", () => {
  it("goes forward with the next token and back to the tokens seen", () => {
    let s = firstPage;
    expect(currentToken(s)).toBe("");
    s = nextPage(s, "t2");
    s = nextPage(s, "t3");
    expect(currentToken(s)).toBe("t3");
    expect(pageNumber(s)).toBe(3);
    s = previousPage(s);
    expect(currentToken(s)).toBe("t2");
    s = previousPage(previousPage(s));
    expect(s).toEqual(firstPage);
  });
  it("stays on the last page when there is no next token", () => {
    expect(nextPage(firstPage, "")).toBe(firstPage);
  });
});

describe("schedule blocks", () => {
  it("reads times, with 24:00 as the day's end", () => {
    expect(minutesOf("08:30")).toBe(510);
    expect(minutesOf("24:00")).toBe(1440);
    expect(minutesOf("24:05")).toBeUndefined();
    expect(minutesOf("")).toBeUndefined();
  });

  it("accepts a plain week", () => {
    const drafts = [
      block(DayOfWeek.MONDAY, "08:00", "12:00"),
      block(DayOfWeek.MONDAY, "13:00", "17:00"),
      block(DayOfWeek.TUESDAY, "08:00", "12:00"),
    ];
    expect(validateBlocks(drafts)).toEqual([]);
  });

  it("refuses missing times, times off the 5-minute grid and ends before starts", () => {
    const issues = validateBlocks([
      block(DayOfWeek.MONDAY, "", "12:00"),
      block(DayOfWeek.TUESDAY, "08:03", "12:00"),
      block(DayOfWeek.WEDNESDAY, "12:00", "08:00"),
      block(DayOfWeek.THURSDAY, "08:00", "12:00", {
        validFrom: "2026-12-10",
        validTo: "2026-12-01",
      }),
    ]);
    expect(issues).toEqual([
      { index: 0, field: "start", problem: "required" },
      { index: 1, field: "start", problem: "fiveMinutes" },
      { index: 2, field: "end", problem: "endBeforeStart" },
      { index: 3, field: "validTo", problem: "toBeforeFrom" },
    ]);
  });

  it("finds overlaps on the same day only when the validity ranges meet", () => {
    const overlapping = [
      block(DayOfWeek.MONDAY, "08:00", "12:00"),
      block(DayOfWeek.MONDAY, "11:00", "14:00"),
    ];
    expect(validateBlocks(overlapping)).toEqual([
      { index: 1, field: "start", problem: "overlap", other: 0 },
    ]);
    // Touching blocks do not overlap.
    expect(
      validateBlocks([
        block(DayOfWeek.MONDAY, "08:00", "12:00"),
        block(DayOfWeek.MONDAY, "12:00", "14:00"),
      ]),
    ).toEqual([]);
    // Same hours, but one ends before the other starts applying.
    expect(
      validateBlocks([
        block(DayOfWeek.MONDAY, "08:00", "12:00", { validTo: "2026-12-31" }),
        block(DayOfWeek.MONDAY, "08:00", "12:00", { validFrom: "2027-01-01" }),
      ]),
    ).toEqual([]);
  });

  it("adds the same hours to days that have room for them", () => {
    const start = [block(DayOfWeek.TUESDAY, "09:00", "10:00")];
    const result = addDays(
      start,
      [DayOfWeek.MONDAY, DayOfWeek.TUESDAY, DayOfWeek.WEDNESDAY],
      "08:00",
      "17:00",
    );
    expect(result.map((d) => [d.day, d.start])).toEqual([
      [DayOfWeek.MONDAY, "08:00"],
      [DayOfWeek.TUESDAY, "09:00"],
      [DayOfWeek.WEDNESDAY, "08:00"],
    ]);
  });

  it("round-trips WeeklyBlocks, sorted Monday first, and maps server paths back to rows", () => {
    const stored = [
      create(WeeklyBlockSchema, {
        dayOfWeek: DayOfWeek.SUNDAY,
        startTime: { hours: 8 },
        endTime: { hours: 24 },
      }),
      create(WeeklyBlockSchema, {
        dayOfWeek: DayOfWeek.MONDAY,
        startTime: { hours: 13, minutes: 30 },
        endTime: { hours: 17 },
        validFrom: { year: 2026, month: 12, day: 1 },
      }),
    ];
    const drafts = draftsFrom(stored);
    expect(drafts.map((d) => [d.day, d.start, d.end, d.validFrom])).toEqual([
      [DayOfWeek.MONDAY, "13:30", "17:00", "2026-12-01"],
      [DayOfWeek.SUNDAY, "08:00", "24:00", ""],
    ]);
    const blocks = toBlocks(drafts);
    expect(blocks[0]).toMatchObject({
      dayOfWeek: DayOfWeek.MONDAY,
      startTime: { hours: 13, minutes: 30 },
      validFrom: { year: 2026, month: 12, day: 1 },
      validTo: undefined,
    });
    expect(blocks[1]?.endTime).toEqual({ hours: 24, minutes: 0 });
    const shuffled = [drafts[1], drafts[0]].filter((d) => d !== undefined);
    expect(blockFieldKey(shuffled, "blocks[1].end_time")).toBe(sortDrafts(shuffled)[1]?.key);
    expect(blockFieldKey(shuffled, "specialty")).toBeUndefined();
  });
});

describe("prices", () => {
  it("reads VND in whole dong, with or without grouping", () => {
    expect(parseAmount("150000", "VND")).toEqual({ ok: true, minor: 150000n });
    expect(parseAmount("150.000", "VND")).toEqual({ ok: true, minor: 150000n });
    expect(parseAmount("1 500 000", "VND")).toEqual({ ok: true, minor: 1500000n });
  });
  it("reads USD with cents", () => {
    expect(parseAmount("12.5", "USD")).toEqual({ ok: true, minor: 1250n });
    expect(parseAmount("1,234.56", "USD")).toEqual({ ok: true, minor: 123456n });
    expect(parseAmount("12", "USD")).toEqual({ ok: true, minor: 1200n });
  });
  it("refuses what is not an amount", () => {
    expect(parseAmount("", "VND")).toEqual({ ok: false, problem: "format" });
    expect(parseAmount("-5", "VND")).toEqual({ ok: false, problem: "format" });
    expect(parseAmount("abc", "USD")).toEqual({ ok: false, problem: "format" });
  });
  it("shows minor units in major ones", () => {
    expect(amountInput(150000n, "VND")).toBe("150000");
    expect(amountInput(1250n, "USD")).toBe("12.50");
    expect(amountInput(5n, "USD")).toBe("0.05");
  });
});

describe("configuration values", () => {
  const integer = create(SystemConfigurationSchema, {
    type: ConfigurationType.INTEGER,
    minimum: 1n,
    maximum: 72n,
  });
  it("checks integers against the bounds", () => {
    expect(parseValue(integer, "24")).toEqual({
      ok: true,
      value: { kind: { case: "integer", value: 24n } },
    });
    expect(parseValue(integer, "0")).toEqual({ ok: false, problem: "belowMinimum" });
    expect(parseValue(integer, "100")).toEqual({ ok: false, problem: "aboveMaximum" });
    expect(parseValue(integer, "1.5")).toEqual({ ok: false, problem: "integer" });
    expect(parseValue(integer, "")).toEqual({ ok: false, problem: "required" });
  });
  it("splits duration lists and counts them", () => {
    const durations = create(SystemConfigurationSchema, {
      type: ConfigurationType.DURATION_LIST,
      maxItems: 2,
    });
    expect(parseValue(durations, "24h, 2h")).toEqual({
      ok: true,
      value: { kind: { case: "durations", value: { values: ["24h", "2h"] } } },
    });
    expect(parseValue(durations, "24h, 2h, 1h")).toEqual({ ok: false, problem: "tooMany" });
  });
  it("writes values back as text and knows a default", () => {
    const value = create(ConfigurationValueSchema, {
      kind: { case: "durations", value: { values: ["24h", "2h"] } },
    });
    expect(valueText(value)).toBe("24h, 2h");
    expect(valueText(undefined)).toBe("");
    const config = create(SystemConfigurationSchema, {
      value: { kind: { case: "integer", value: 5n } },
      defaultValue: { kind: { case: "integer", value: 5n } },
      version: 3n,
    });
    expect(isDefault(config)).toBe(true);
  });
});

describe("template preview", () => {
  it("fills placeholders with samples and marks unknown ones", () => {
    const text =
      "Chào {{ patient_name }}, hẹn {{appointment_date}} lúc {{ appointment_time | upper }}. {{ oops }}";
    expect(placeholders(text)).toEqual([
      "patient_name",
      "appointment_date",
      "appointment_time",
      "oops",
    ]);
    expect(renderPreview(text)).toBe("Chào Nguyễn Văn An, hẹn 08/12/2026 lúc 09:30. «oops»");
    expect(unknownPlaceholders(text, "{{ patient_name }}")).toEqual(["oops"]);
  });
});

describe("dashboard shaping", () => {
  it("puts each status's day and week counts side by side", () => {
    const today = create(AppointmentPeriodStatsSchema, {
      counts: [{ status: AppointmentStatus.PENDING, count: 2 }],
    });
    const week = create(AppointmentPeriodStatsSchema, {
      counts: [
        { status: AppointmentStatus.PENDING, count: 5 },
        { status: AppointmentStatus.COMPLETED, count: 3 },
      ],
    });
    const rows = statusRows(today, week);
    expect(rows).toHaveLength(7);
    expect(rows[0]).toEqual({ status: AppointmentStatus.PENDING, today: 2, week: 5 });
    expect(rows.find((r) => r.status === AppointmentStatus.COMPLETED)).toEqual({
      status: AppointmentStatus.COMPLETED,
      today: 0,
      week: 3,
    });
  });
  it("groups money by currency, VND first, in major units for the axis", () => {
    const stats = create(BillingStatsSchema, {
      revenueToday: [{ currency: "USD", amount: 1250n, count: 1n }],
      revenueWeek: [
        { currency: "VND", amount: 300000n, count: 2n },
        { currency: "USD", amount: 2500n, count: 2n },
      ],
      outstanding: [{ currency: "VND", amount: 150000n, count: 1n }],
      claims: [
        { status: ClaimStatus.APPROVED, count: 2n },
        { status: ClaimStatus.SUBMITTED, count: 1n },
        { status: ClaimStatus.UNSPECIFIED, count: 9n },
      ],
    });
    const money = moneyByCurrency(stats);
    expect(money.map((m) => m.currency)).toEqual(["VND", "USD"]);
    expect(money[0]?.minor).toEqual({
      revenueToday: 0n,
      revenueWeek: 300000n,
      outstanding: 150000n,
      overdue: 0n,
    });
    expect(toMajor(1250n, "USD")).toBe(12.5);
    expect(toMajor(150000n, "VND")).toBe(150000);
    expect(claimRows(stats)).toEqual([
      { status: ClaimStatus.SUBMITTED, count: 1 },
      { status: ClaimStatus.APPROVED, count: 2 },
    ]);
  });
  it("says which tiles failed", () => {
    expect(tileFailure(create(TileStatusSchema, { errorCode: "UNAVAILABLE" }))).toBe("UNAVAILABLE");
    expect(tileFailure(create(TileStatusSchema, { asOfTime: { seconds: 1n } }))).toBeUndefined();
    expect(tileFailure(undefined)).toBe("UNAVAILABLE");
  });
});

describe("clinic days", () => {
  it("start at midnight in the clinic's zone", () => {
    const day = { year: 2026, month: 12, day: 8 };
    expect(startOfDay(day, "Asia/Ho_Chi_Minh").toISOString()).toBe("2026-12-07T17:00:00.000Z");
    expect(startOfDay(day, "UTC").toISOString()).toBe("2026-12-08T00:00:00.000Z");
    // Across a DST change (New York, 8 March 2026).
    expect(startOfDay({ year: 2026, month: 3, day: 9 }, "America/New_York").toISOString()).toBe(
      "2026-03-09T04:00:00.000Z",
    );
  });
  it("give a half-open range ending at the start of the day after", () => {
    const range = dayRange(
      { year: 2026, month: 12, day: 1 },
      { year: 2026, month: 12, day: 31 },
      "Asia/Ho_Chi_Minh",
    );
    expect(range.startTime && timestampDate(range.startTime).toISOString()).toBe(
      "2026-11-30T17:00:00.000Z",
    );
    expect(range.endTime && timestampDate(range.endTime).toISOString()).toBe(
      "2026-12-31T17:00:00.000Z",
    );
    expect(dayRange(undefined, undefined, "UTC")).toEqual({});
  });
});

describe("enums from selects", () => {
  it("read known values and fall back otherwise", () => {
    expect(parseEnum(Role, String(Role.NURSE), Role.UNSPECIFIED)).toBe(Role.NURSE);
    expect(parseEnum(Role, "99", Role.UNSPECIFIED)).toBe(Role.UNSPECIFIED);
  });
});
