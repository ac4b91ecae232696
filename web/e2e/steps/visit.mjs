// Behind-the-scenes steps of a walk through the SDK (grpc-web through the gateway): the
// clinic's day, waiting for what travels through outboxes, and a patient's visit with the
// seeded doctor booked, confirmed and checked in. Used by the pharmacy and laboratory walks.
import { createClient } from "@connectrpc/connect";
import { createGrpcWebTransport } from "@connectrpc/connect-web";
import { timestampDate } from "@bufbuild/protobuf/wkt";
import { UserService } from "@hms/sdk/hms/user/v1/user_pb";
import {
  AppointmentService,
  CalendarView,
  ScheduleService,
} from "@hms/sdk/hms/appointment/v1/appointment_pb";
import { EhrService } from "@hms/sdk/hms/ehr/v1/ehr_pb";
import { base } from "../harness.mjs";

const ZONE = "Asia/Ho_Chi_Minh";
const transport = createGrpcWebTransport({ baseUrl: base });
const users = createClient(UserService, transport);
const schedules = createClient(ScheduleService, transport);
const appointments = createClient(AppointmentService, transport);
const ehr = createClient(EhrService, transport);

export const bearer = (tokens) => ({
  headers: { authorization: `Bearer ${tokens.accessToken}` },
});
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/** Signs in through the SDK; returns the tokens. */
export async function tokensOf({ username, password }) {
  return (await users.login({ username, password })).tokens;
}

/** The clinic's day `days` from today, as google.type.Date and as YYYY-MM-DD. */
export function clinicDay(days) {
  const text = new Intl.DateTimeFormat("en-CA", { timeZone: ZONE }).format(
    new Date(Date.now() + days * 86_400_000),
  );
  const [year, month, day] = text.split("-").map(Number);
  return { date: { year, month, day }, text };
}

/** Calls `f` until it returns something truthy (events travel through outboxes). */
export async function eventually(what, f, timeoutMs = 30_000) {
  const deadline = Date.now() + timeoutMs;
  let last;
  for (;;) {
    try {
      const value = await f();
      if (value) return value;
    } catch (error) {
      last = error;
    }
    if (Date.now() > deadline) throw new Error(`${what} never happened: ${last ?? "no value"}`);
    await sleep(300);
  }
}

/**
 * The patient's visit with the seeded doctor (`setup` from seed.mjs) for `reason`: the
 * doctor's first free slot, confirmed and checked in by the doctor; returns the appointment
 * once the EHR has its encounter (planned at confirmation, through the appointment
 * service's outbox).
 */
export async function checkedInVisit(setup, patientAccount, reason) {
  const patient = await tokensOf(patientAccount);
  const doctor = await tokensOf(setup.doctor);
  const calendar = await schedules.getServiceCalendar(
    {
      serviceId: setup.serviceId,
      startDate: clinicDay(0).date,
      endDate: clinicDay(13).date,
      view: CalendarView.SLOTS,
    },
    bearer(patient),
  );
  const slot = calendar.days
    .flatMap((d) => d.doctors)
    .filter((d) => d.doctorId === setup.doctor.id)
    .flatMap((d) => d.slots)
    .find((s) => s.startTime && timestampDate(s.startTime).getTime() > Date.now() + 60_000);
  if (!slot) throw new Error("the doctor has no free slot in two weeks");
  const { appointment } = await appointments.bookAppointment(
    { serviceId: setup.serviceId, doctorId: setup.doctor.id, startTime: slot.startTime, reason },
    bearer(patient),
  );
  const id = { appointmentId: appointment.id };
  await appointments.confirmAppointment(id, bearer(doctor));
  await appointments.checkInAppointment(id, bearer(doctor));
  await eventually("the visit's encounter", async () => {
    const { encounters } = await ehr.listEncounters(
      { patientId: appointment.patientId },
      bearer(doctor),
    );
    return encounters.find((e) => e.appointmentId === appointment.id);
  });
  return appointment;
}
