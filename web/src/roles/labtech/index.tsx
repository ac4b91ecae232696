// The lab technician's screens: the worklist of orders still to collect, process or enter
// (urgent first, then oldest), and one order: collecting the sample (its accession number),
// starting processing, entering each test's results (and amending them after release,
// with a reason), and attaching the instrument's result file.
import { lazy } from "react";
import { Navigate } from "react-router";
import { Role } from "@hms/sdk/hms/common/v1/access_pb";
import type { RoleModule } from "../types";

const Worklist = lazy(() => import("./Worklist"));
const OrderPage = lazy(() => import("./OrderPage"));

export const labTechnician: RoleModule = {
  role: Role.LAB_TECHNICIAN,
  home: "/lab/worklist",
  nav: [{ to: "/lab/worklist", label: "lab.nav.worklist" }],
  routes: [
    { path: "lab", element: <Navigate to="/lab/worklist" replace /> },
    { path: "lab/worklist", element: <Worklist /> },
    { path: "lab/orders/:orderId", element: <OrderPage /> },
  ],
};
