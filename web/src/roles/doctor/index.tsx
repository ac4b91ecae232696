// The doctor's screens: the worklist of today and this week, where requests are confirmed,
// the encounter of a visit, and a patient's chart.
import { lazy } from "react";
import { Role } from "@hms/sdk/hms/common/v1/access_pb";
import type { RoleModule } from "../types";

const Worklist = lazy(() => import("./Worklist"));
const PatientChart = lazy(() => import("./PatientChart"));
const AppointmentEncounter = lazy(() =>
  import("./Encounter").then((m) => ({ default: m.AppointmentEncounter })),
);
const EncounterPage = lazy(() => import("./Encounter").then((m) => ({ default: m.EncounterPage })));

export const doctor: RoleModule = {
  role: Role.DOCTOR,
  home: "/worklist",
  nav: [{ to: "/worklist", label: "nav.worklist" }],
  routes: [
    { path: "worklist", element: <Worklist /> },
    { path: "appointments/:appointmentId/encounter", element: <AppointmentEncounter /> },
    { path: "patients/:patientId", element: <PatientChart /> },
    { path: "patients/:patientId/encounters/:encounterId", element: <EncounterPage /> },
  ],
};
