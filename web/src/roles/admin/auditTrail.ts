// What the audit tabs of the services' own chains (the medical record, the pharmacy, the
// laboratory) share beyond their components: an event's outcome as a label (each service's
// AuditOutcome has the same numbers), and the search of a trail, which takes the patient or
// the actor, not both (the services refuse both at once).
import type { MessageKey } from "../../i18n";

/** UNSPECIFIED, ALLOWED, DENIED, FAILED: the same numbers in the EHR, pharmacy and lab. */
const OUTCOMES: readonly MessageKey[] = [
  "admin.audit.outcome.UNSPECIFIED",
  "admin.audit.outcome.ALLOWED",
  "admin.audit.outcome.DENIED",
  "admin.audit.outcome.FAILED",
];

export function outcomeLabel(outcome: number): MessageKey {
  return OUTCOMES[outcome] ?? "admin.audit.outcome.UNSPECIFIED";
}

export interface TrailFilters {
  patientId: string;
  actorId: string;
}

export const NO_TRAIL_FILTERS: TrailFilters = { patientId: "", actorId: "" };

/** The filters a trail's search form asks for, trimmed; undefined when it names both. */
export function trailFilters(patientId: string, actorId: string): TrailFilters | undefined {
  const filters = { patientId: patientId.trim(), actorId: actorId.trim() };
  return filters.patientId && filters.actorId ? undefined : filters;
}
