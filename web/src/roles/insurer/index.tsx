// The insurance provider's screens: the claims submitted against its company's policies.
import { lazy } from "react";
import { Role } from "@hms/sdk/hms/common/v1/access_pb";
import type { RoleModule } from "../types";

const Claims = lazy(() => import("./Claims"));

export const insurer: RoleModule = {
  role: Role.INSURANCE_PROVIDER,
  home: "/claims",
  nav: [{ to: "/claims", label: "nav.claims" }],
  routes: [{ path: "claims", element: <Claims /> }],
};
