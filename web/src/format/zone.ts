// The clinic's time zone: the default until a response (calendar, schedule, report)
// names the configured one, then that one everywhere.
import { useSyncExternalStore } from "react";
import { DEFAULT_ZONE } from "./index";

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
