// The doctor's screens: the worklist of today and this week, where requests are confirmed.
import { lazy } from "react";
import { Role } from "@hms/sdk/hms/common/v1/access_pb";
import type { RoleModule } from "../types";

const Worklist = lazy(() => import("./Worklist"));

export const doctor: RoleModule = {
  role: Role.DOCTOR,
  home: "/worklist",
  nav: [{ to: "/worklist", label: "nav.worklist" }],
  routes: [{ path: "worklist", element: <Worklist /> }],
};
