// Break-glass grants the doctor obtained in this tab, so the chart can say while a grant
// lasts that the access is an emergency one (the EHR does not tell a doctor which basis let
// them in). Kept in sessionStorage: a reload keeps the banner, another tab does not share it.
import { useEffect, useState } from "react";
import { timestampMs } from "@bufbuild/protobuf/wkt";
import type { BreakGlassGrant } from "@hms/sdk/hms/ehr/v1/ehr_pb";

export interface Grant {
  grantId: string;
  patientId: string;
  reason: string;
  expireMs: number;
}

const KEY = "hms.breakGlass";

function load(): Grant[] {
  try {
    const parsed: unknown = JSON.parse(sessionStorage.getItem(KEY) ?? "[]");
    return Array.isArray(parsed) ? (parsed as Grant[]) : [];
  } catch {
    return [];
  }
}

/** The grant for this patient still running at `now`, if any. */
export function activeGrant(grants: Grant[], patientId: string, now: number): Grant | undefined {
  return grants
    .filter((g) => g.patientId === patientId && g.expireMs > now)
    .sort((a, b) => b.expireMs - a.expireMs)[0];
}

const listeners = new Set<() => void>();

export function remember(grant: BreakGlassGrant): void {
  const now = Date.now();
  const kept = load().filter((g) => g.expireMs > now && g.grantId !== grant.grantId);
  kept.push({
    grantId: grant.grantId,
    patientId: grant.patientId,
    reason: grant.reason,
    expireMs: grant.expireTime ? timestampMs(grant.expireTime) : now,
  });
  sessionStorage.setItem(KEY, JSON.stringify(kept));
  for (const l of listeners) l();
}

/** The running grant for the patient, followed as time passes and grants are added. */
export function useGrant(patientId: string): Grant | undefined {
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    const tick = () => setNow(Date.now());
    const timer = setInterval(tick, 15_000);
    listeners.add(tick);
    return () => {
      clearInterval(timer);
      listeners.delete(tick);
    };
  }, []);
  return activeGrant(load(), patientId, now);
}
