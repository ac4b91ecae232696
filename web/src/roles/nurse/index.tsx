// The nurse's screens: today's check-in desk and the vital signs of a checked-in patient.
import { lazy } from "react";
import { Role } from "@hms/sdk/hms/common/v1/access_pb";
import type { RoleModule } from "../types";

const CheckIn = lazy(() => import("./CheckIn"));
const Vitals = lazy(() => import("./Vitals"));

export const nurse: RoleModule = {
  role: Role.NURSE,
  home: "/check-in",
  nav: [{ to: "/check-in", label: "nav.checkIn" }],
  routes: [
    { path: "check-in", element: <CheckIn /> },
    { path: "check-in/:appointmentId/vitals", element: <Vitals /> },
  ],
};
