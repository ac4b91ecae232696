// The booking calendar's grouping: seven days from Monday, slots on the day they start in
// the clinic's zone, doctors by name, slots in order by period, past slots left out.
import { describe, expect, it } from "vitest";
import { timestampFromDate, timestampMs } from "@bufbuild/protobuf/wkt";
import { create, type MessageInitShape } from "@bufbuild/protobuf";
import {
  CalendarDaySchema,
  SlotAlternativesSchema,
} from "@hms/sdk/hms/appointment/v1/appointment_pb";
import { alternativeChoices, groupWeek, periodOf } from "./calendar";

const ZONE = "Asia/Ho_Chi_Minh";
const monday = { year: 2026, month: 12, day: 7 };
const before = new Date("2026-12-01T00:00:00Z");
const at = (iso: string) => timestampFromDate(new Date(iso));

type Doctors = MessageInitShape<typeof CalendarDaySchema>["doctors"];

function day(date: { year: number; month: number; day: number }, doctors: Doctors) {
  return create(CalendarDaySchema, { date, doctors });
}

describe("groupWeek", () => {
  const days = [
    day(monday, [
      {
        doctorId: "d2",
        doctorName: "Trần Bình",
        location: "Room 2",
        slots: [
          // 14:00 and 08:30 local, given out of order.
          {
            doctorId: "d2",
            startTime: at("2026-12-07T07:00:00Z"),
            endTime: at("2026-12-07T07:30:00Z"),
          },
          {
            doctorId: "d2",
            startTime: at("2026-12-07T01:30:00Z"),
            endTime: at("2026-12-07T02:00:00Z"),
          },
        ],
      },
      {
        doctorId: "d1",
        doctorName: "Nguyễn An",
        location: "Room 1",
        slots: [
          {
            doctorId: "d1",
            startTime: at("2026-12-07T11:00:00Z"),
            endTime: at("2026-12-07T11:30:00Z"),
          },
        ],
      },
    ]),
    day({ year: 2026, month: 12, day: 9 }, [
      {
        doctorId: "d1",
        doctorName: "Nguyễn An",
        location: "Room 1",
        // 23:30Z on the 8th is 06:30 on Wednesday the 9th in the zone.
        slots: [{ doctorId: "d1", startTime: at("2026-12-08T23:30:00Z") }],
      },
    ]),
  ];

  it("lays out seven days from the Monday", () => {
    const week = groupWeek(days, monday, ZONE, before);
    expect(week.map((d) => d.key)).toEqual([
      "2026-12-07",
      "2026-12-08",
      "2026-12-09",
      "2026-12-10",
      "2026-12-11",
      "2026-12-12",
      "2026-12-13",
    ]);
    expect(week[1]?.doctors).toEqual([]);
  });

  it("orders doctors by name and groups their slots by period", () => {
    const [mon] = groupWeek(days, monday, ZONE, before);
    expect(mon?.doctors.map((d) => d.doctorName)).toEqual(["Nguyễn An", "Trần Bình"]);
    const binh = mon?.doctors[1];
    expect(binh?.location).toBe("Room 2");
    expect(binh?.periods.map((p) => p.period)).toEqual(["morning", "afternoon"]);
    expect(binh?.periods[0]?.slots.map((s) => timestampMs(s.start))).toEqual([
      Date.parse("2026-12-07T01:30:00Z"),
    ]);
    // 18:00 local is evening.
    expect(mon?.doctors[0]?.periods.map((p) => p.period)).toEqual(["evening"]);
  });

  it("files a slot under the day it starts on in the clinic's zone", () => {
    const week = groupWeek(days, monday, ZONE, before);
    expect(week[2]?.doctors[0]?.periods[0]?.slots).toHaveLength(1);
    expect(week[2]?.doctors[0]?.periods[0]?.period).toBe("morning");
  });

  it("leaves out slots that have started", () => {
    const noon = new Date("2026-12-07T05:00:00Z");
    const [mon] = groupWeek(days, monday, ZONE, noon);
    const binh = mon?.doctors.find((d) => d.doctorId === "d2");
    expect(binh?.periods.map((p) => p.period)).toEqual(["afternoon"]);
  });

  it("reads the compact view of slot starts", () => {
    const compact = [
      day(monday, [
        { doctorId: "d3", doctorName: "Lê Chi", slotStarts: [at("2026-12-07T02:00:00Z")] },
      ]),
    ];
    const [mon] = groupWeek(compact, monday, ZONE, before, 30);
    const slot = mon?.doctors[0]?.periods[0]?.slots[0];
    expect(slot && slot.end && timestampMs(slot.end) - timestampMs(slot.start)).toBe(30 * 60_000);
  });
});

describe("periodOf", () => {
  it("splits the day at noon and 17:00", () => {
    expect([7, 11, 12, 16, 17, 20].map(periodOf)).toEqual([
      "morning",
      "morning",
      "afternoon",
      "afternoon",
      "evening",
      "evening",
    ]);
  });
});

describe("alternativeChoices", () => {
  it("names the doctors of the alternatives", () => {
    const alternatives = create(SlotAlternativesSchema, {
      sameDoctor: [{ doctorId: "d1", startTime: at("2026-12-07T03:00:00Z") }],
      otherDoctors: [{ doctorId: "d2", startTime: at("2026-12-07T02:30:00Z") }, { doctorId: "d9" }],
    });
    const names: Record<string, string> = { d1: "Nguyễn An", d2: "Trần Bình" };
    const choices = alternativeChoices(
      alternatives,
      (id) => names[id] ?? "",
      () => "",
    );
    expect(choices.sameDoctor.map((c) => c.doctorName)).toEqual(["Nguyễn An"]);
    // An alternative without a time is no choice.
    expect(choices.otherDoctors.map((c) => c.doctorName)).toEqual(["Trần Bình"]);
  });
});
