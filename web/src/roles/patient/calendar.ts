// The booking calendar's shape: a week of seven days in the clinic's zone, each listing
// the doctors with free slots, their slots grouped into morning, afternoon and evening.
import { timestampMs, type Timestamp } from "@bufbuild/protobuf/wkt";
import type {
  CalendarDay,
  Slot,
  SlotAlternatives,
} from "@hms/sdk/hms/appointment/v1/appointment_pb";
import { addDays, dayInZone, dayKey, hourInZone, type Day } from "../../format";

export type Period = "morning" | "afternoon" | "evening";

export interface SlotChoice {
  doctorId: string;
  doctorName: string;
  location: string;
  start: Timestamp;
  end: Timestamp | undefined;
}

export interface DoctorSlots {
  doctorId: string;
  doctorName: string;
  location: string;
  periods: { period: Period; slots: SlotChoice[] }[];
}

export interface WeekDay {
  day: Day;
  key: string;
  doctors: DoctorSlots[];
}

export function periodOf(hour: number): Period {
  if (hour < 12) return "morning";
  if (hour < 17) return "afternoon";
  return "evening";
}

const PERIODS: Period[] = ["morning", "afternoon", "evening"];

function bySlotStart(a: SlotChoice, b: SlotChoice): number {
  return timestampMs(a.start) - timestampMs(b.start);
}

/**
 * The seven days from `start`, each with the doctors who have a free slot after `now`
 * (ordered by name), their slots in time order and by period of the day. A slot belongs
 * to the day it starts on in `zone`, whatever day the response filed it under.
 */
export function groupWeek(
  days: CalendarDay[],
  start: Day,
  zone: string,
  now: Date,
  durationMinutes = 0,
): WeekDay[] {
  const week: WeekDay[] = Array.from({ length: 7 }, (_, i) => {
    const day = addDays(start, i);
    return { day, key: dayKey(day), doctors: [] };
  });
  const byKey = new Map(week.map((d) => [d.key, d]));
  const perDoctorDay = new Map<string, SlotChoice[]>();
  const doctorInfo = new Map<string, { name: string; location: string }>();

  for (const calendarDay of days) {
    for (const doctor of calendarDay.doctors) {
      doctorInfo.set(doctor.doctorId, {
        name: doctor.doctorName || doctorInfo.get(doctor.doctorId)?.name || "",
        location: doctor.location,
      });
      const slots: Slot[] = doctor.slots.length
        ? doctor.slots
        : doctor.slotStarts.map((s) => ({
            $typeName: "hms.appointment.v1.Slot" as const,
            doctorId: doctor.doctorId,
            startTime: s,
            endTime: durationMinutes
              ? {
                  $typeName: "google.protobuf.Timestamp" as const,
                  seconds: s.seconds + BigInt(durationMinutes * 60),
                  nanos: s.nanos,
                }
              : undefined,
          }));
      for (const slot of slots) {
        if (!slot.startTime || timestampMs(slot.startTime) <= now.getTime()) continue;
        const key = dayKey(dayInZone(slot.startTime, zone));
        if (!byKey.has(key)) continue;
        const id = `${key}|${doctor.doctorId}`;
        const list = perDoctorDay.get(id) ?? [];
        list.push({
          doctorId: doctor.doctorId,
          doctorName: "",
          location: doctor.location,
          start: slot.startTime,
          end: slot.endTime,
        });
        perDoctorDay.set(id, list);
      }
    }
  }

  for (const [id, slots] of perDoctorDay) {
    const [key = "", doctorId = ""] = id.split("|");
    const info = doctorInfo.get(doctorId) ?? { name: "", location: "" };
    const sorted = slots
      .map((s) => ({ ...s, doctorName: info.name }))
      .sort(bySlotStart)
      .filter((s, i, all) => {
        const previous = all[i - 1];
        return !previous || timestampMs(s.start) !== timestampMs(previous.start);
      });
    const periods = PERIODS.map((period) => ({
      period,
      slots: sorted.filter((s) => periodOf(hourInZone(s.start, zone)) === period),
    })).filter((p) => p.slots.length > 0);
    byKey.get(key)?.doctors.push({
      doctorId,
      doctorName: info.name,
      location: info.location,
      periods,
    });
  }
  for (const day of week) {
    day.doctors.sort(
      (a, b) => a.doctorName.localeCompare(b.doctorName) || a.doctorId.localeCompare(b.doctorId),
    );
  }
  return week;
}

/** The alternatives of a refused booking as choices: the same doctor's first, then others'. */
export function alternativeChoices(
  alternatives: SlotAlternatives | undefined,
  nameOf: (doctorId: string) => string,
  locationOf: (doctorId: string) => string,
): { sameDoctor: SlotChoice[]; otherDoctors: SlotChoice[] } {
  const choice = (slot: Slot): SlotChoice[] =>
    slot.startTime
      ? [
          {
            doctorId: slot.doctorId,
            doctorName: nameOf(slot.doctorId),
            location: locationOf(slot.doctorId),
            start: slot.startTime,
            end: slot.endTime,
          },
        ]
      : [];
  return {
    sameDoctor: (alternatives?.sameDoctor ?? []).flatMap(choice),
    otherDoctors: (alternatives?.otherDoctors ?? []).flatMap(choice),
  };
}
