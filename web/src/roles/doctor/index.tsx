// The doctor's screens: the worklist of today and this week, where requests are confirmed,
// the encounter of a visit (with its prescriptions and lab orders), a patient's chart, and
// the lab results waiting for the doctor's review.
import { lazy } from "react";
import { Role } from "@hms/sdk/hms/common/v1/access_pb";
import type { RoleModule } from "../types";

const Worklist = lazy(() => import("./Worklist"));
const PatientChart = lazy(() => import("./PatientChart"));
const LabReview = lazy(() => import("./LabReview"));
const AppointmentEncounter = lazy(() =>
  import("./Encounter").then((m) => ({ default: m.AppointmentEncounter })),
);
const EncounterPage = lazy(() => import("./Encounter").then((m) => ({ default: m.EncounterPage })));

export const doctor: RoleModule = {
  role: Role.DOCTOR,
  home: "/worklist",
  nav: [
    { to: "/worklist", label: "nav.worklist" },
    { to: "/lab/review", label: "lab.nav.review" },
  ],
  routes: [
    { path: "worklist", element: <Worklist /> },
    { path: "appointments/:appointmentId/encounter", element: <AppointmentEncounter /> },
    { path: "patients/:patientId", element: <PatientChart /> },
    { path: "lab/review", element: <LabReview /> },
    { path: "patients/:patientId/encounters/:encounterId", element: <EncounterPage /> },
  ],
};
