// The admin's screens. Billing staff work under the admin role, so the billing desk
// (invoices, discounts, manual payments, write-offs) lives in ./billing and is mounted here.
import { Role } from "@hms/sdk/hms/common/v1/access_pb";
import type { RoleModule } from "../types";
import { billingNav, billingRoutes } from "./billing";

export const admin: RoleModule = {
  role: Role.ADMIN,
  home: "/notifications",
  nav: [...billingNav],
  routes: [...billingRoutes],
};
