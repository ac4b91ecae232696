// The clinic's time zone: the default until a response (calendar, schedule, report)
// names the configured one, then that one everywhere.
import { useEffect, useSyncExternalStore } from "react";
import { useQuery } from "@connectrpc/connect-query";
import { ScheduleService } from "@hms/sdk/hms/appointment/v1/appointment_pb";
import { DEFAULT_ZONE, dayInZone } from "./index";

let zone = DEFAULT_ZONE;
const listeners = new Set<() => void>();

export function learnZone(name: string | undefined): void {
  if (!name || name === zone) return;
  zone = name;
  for (const listener of listeners) listener();
}

export function clinicZone(): string {
  return zone;
}

export function useClinicZone(): string {
  return useSyncExternalStore(
    (listener) => {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    clinicZone,
    clinicZone,
  );
}

/**
 * Learns the configured zone at sign-in, before any page asks for a calendar: the booking
 * calendar of the catalog's first service for one day is the cheapest answer that names it
 * (appointment lists carry instants only).
 */
export function useDiscoverClinicZone(): void {
  const catalog = useQuery(ScheduleService.method.listMedicalServices, { page: { pageSize: 1 } });
  const serviceId = catalog.data?.services[0]?.id;
  const today = dayInZone(new Date(), zone);
  const calendar = useQuery(
    ScheduleService.method.getServiceCalendar,
    { serviceId: serviceId ?? "", startDate: today, endDate: today },
    { enabled: !!serviceId, staleTime: Infinity },
  );
  const named = calendar.data?.timeZone;
  useEffect(() => learnZone(named), [named]);
}
