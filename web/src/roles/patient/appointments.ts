// What the appointment lists share: status labels, which appointments still lie ahead, and
// the services' names by id.
import { timestampMs } from "@bufbuild/protobuf/wkt";
import { useQuery } from "@connectrpc/connect-query";
import {
  AppointmentStatus,
  ScheduleService,
  type Appointment,
} from "@hms/sdk/hms/appointment/v1/appointment_pb";
import type { MessageKey } from "../../i18n";

export function statusLabel(status: AppointmentStatus): MessageKey {
  const name = AppointmentStatus[status] as string | undefined;
  const known: MessageKey[] = [
    "appt.status.PENDING",
    "appt.status.CONFIRMED",
    "appt.status.CHECKED_IN",
    "appt.status.COMPLETED",
    "appt.status.CANCELLED_PATIENT",
    "appt.status.CANCELLED_DOCTOR",
    "appt.status.NO_SHOW",
  ];
  return known.find((k) => k === `appt.status.${name}`) ?? "appt.status.UNSPECIFIED";
}

const OPEN = new Set([
  AppointmentStatus.PENDING,
  AppointmentStatus.CONFIRMED,
  AppointmentStatus.CHECKED_IN,
]);

/** Still to happen: open, and not over yet. */
export function isUpcoming(a: Appointment, now: Date): boolean {
  const end = a.endTime ?? a.startTime;
  return OPEN.has(a.status) && (!end || timestampMs(end) >= now.getTime());
}

/** The patient may still move or cancel it (the service's notice policy may yet refuse). */
export function isChangeable(a: Appointment): boolean {
  return a.status === AppointmentStatus.PENDING || a.status === AppointmentStatus.CONFIRMED;
}

export function useServiceNames(): Map<string, string> {
  const list = useQuery(ScheduleService.method.listMedicalServices, { page: { pageSize: 500 } });
  return new Map((list.data?.services ?? []).map((s) => [s.id, s.name]));
}
