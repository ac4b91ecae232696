// What a role contributes to the app: its screens (routes under the signed-in shell) and
// its navigation entries. A new role is one folder exporting one of these.
import type { RouteObject } from "react-router";
import type { Role } from "@hms/sdk/hms/common/v1/access_pb";
import type { MessageKey } from "../i18n";

export interface NavItem {
  to: string;
  label: MessageKey;
}

export interface RoleModule {
  role: Role;
  /** Where a person of this role lands after signing in. */
  home: string;
  nav: NavItem[];
  routes: RouteObject[];
}
