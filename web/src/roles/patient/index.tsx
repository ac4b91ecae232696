// The patient's screens: booking, their appointments, and the feedback page the email
// links to (/feedback?appointment_id=…).
import { lazy } from "react";
import { Role } from "@hms/sdk/hms/common/v1/access_pb";
import type { RoleModule } from "../types";

const Booking = lazy(() => import("./Booking"));
const MyAppointments = lazy(() => import("./MyAppointments"));
const Feedback = lazy(() => import("./Feedback"));

export const patient: RoleModule = {
  role: Role.PATIENT,
  home: "/book",
  nav: [
    { to: "/book", label: "nav.book" },
    { to: "/appointments", label: "nav.appointments" },
  ],
  routes: [
    { path: "book", element: <Booking /> },
    { path: "appointments", element: <MyAppointments /> },
    { path: "feedback", element: <Feedback /> },
  ],
};
