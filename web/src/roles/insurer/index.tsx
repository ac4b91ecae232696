// The insurance provider's screens: the claims submitted against its policies.
import { Role } from "@hms/sdk/hms/common/v1/access_pb";
import type { RoleModule } from "../types";

export const insurer: RoleModule = {
  role: Role.INSURANCE_PROVIDER,
  home: "/notifications",
  nav: [],
  routes: [],
};
