// The nurse's screens: today's check-in desk.
import { lazy } from "react";
import { Role } from "@hms/sdk/hms/common/v1/access_pb";
import type { RoleModule } from "../types";

const CheckIn = lazy(() => import("./CheckIn"));

export const nurse: RoleModule = {
  role: Role.NURSE,
  home: "/check-in",
  nav: [{ to: "/check-in", label: "nav.checkIn" }],
  routes: [{ path: "check-in", element: <CheckIn /> }],
};
