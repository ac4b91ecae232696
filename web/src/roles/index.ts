// Every role's screens, registered in one place: add a role by adding its folder and one
// entry here.
import { Role } from "@hms/sdk/hms/common/v1/access_pb";
import type { RoleModule } from "./types";
import { patient } from "./patient";
import { doctor } from "./doctor";
import { nurse } from "./nurse";
import { admin } from "./admin";
import { insurer } from "./insurer";
import { pharmacist } from "./pharmacist";
import { labTechnician } from "./labtech";

export const roles: RoleModule[] = [
  patient,
  doctor,
  nurse,
  admin,
  insurer,
  pharmacist,
  labTechnician,
];

export function roleModule(role: Role): RoleModule | undefined {
  return roles.find((m) => m.role === role);
}

export type { RoleModule, NavItem } from "./types";
