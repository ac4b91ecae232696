// The pharmacist's screens: the queue of prescriptions waiting for the pharmacy (oldest
// first), one prescription (verification, the earliest-expiry-first preview, dispensing),
// stock by batch, receiving and adjusting batches, and the batches about to expire.
import { lazy } from "react";
import { Navigate } from "react-router";
import { Role } from "@hms/sdk/hms/common/v1/access_pb";
import type { RoleModule } from "../types";

const Queue = lazy(() => import("./Queue"));
const PrescriptionPage = lazy(() => import("./PrescriptionPage"));
const Stock = lazy(() => import("./Stock"));
const Receiving = lazy(() => import("./Receiving"));
const Expiring = lazy(() => import("./Expiring"));

export const pharmacist: RoleModule = {
  role: Role.PHARMACIST,
  home: "/pharmacy/queue",
  nav: [
    { to: "/pharmacy/queue", label: "ph.nav.queue" },
    { to: "/pharmacy/stock", label: "ph.nav.stock" },
    { to: "/pharmacy/receiving", label: "ph.nav.receiving" },
    { to: "/pharmacy/expiring", label: "ph.nav.expiring" },
  ],
  routes: [
    { path: "pharmacy", element: <Navigate to="/pharmacy/queue" replace /> },
    { path: "pharmacy/queue", element: <Queue /> },
    { path: "pharmacy/prescriptions/:prescriptionId", element: <PrescriptionPage /> },
    { path: "pharmacy/stock", element: <Stock /> },
    { path: "pharmacy/receiving", element: <Receiving /> },
    { path: "pharmacy/expiring", element: <Expiring /> },
  ],
};
