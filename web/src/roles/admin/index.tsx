// The admin's screens: the dashboard, users and roles, the service catalog, the laboratory's
// test catalog, the pharmacy's medication catalog, doctors' schedules and reports, system
// configuration, audit (the admin log and the record's, pharmacy's and laboratory's
// trails), and notification templates and deliveries. Billing staff work under the admin
// role, so the billing desk (invoices, discounts, manual payments, write-offs) lives in
// ./billing and is mounted here too.
import { lazy } from "react";
import { Navigate } from "react-router";
import { Role } from "@hms/sdk/hms/common/v1/access_pb";
import type { RoleModule } from "../types";
import { billingNav, billingRoutes } from "./billing";

const Dashboard = lazy(() => import("./Dashboard"));
const Users = lazy(() => import("./Users"));
const Services = lazy(() => import("./Services"));
const LabCatalog = lazy(() => import("./LabCatalog"));
const Medications = lazy(() => import("./Medications"));
const Schedules = lazy(() => import("./Schedules"));
const Reports = lazy(() => import("./Reports"));
const Config = lazy(() => import("./Config"));
const Audit = lazy(() => import("./Audit"));
const Templates = lazy(() => import("./Templates"));
const Deliveries = lazy(() => import("./Deliveries"));

export const admin: RoleModule = {
  role: Role.ADMIN,
  home: "/admin/dashboard",
  nav: [
    { to: "/admin/dashboard", label: "admin.nav.dashboard" },
    { to: "/admin/users", label: "admin.nav.users" },
    { to: "/admin/services", label: "admin.nav.services" },
    { to: "/admin/lab-tests", label: "admin.nav.labTests" },
    { to: "/admin/medications", label: "admin.nav.medications" },
    { to: "/admin/schedules", label: "admin.nav.schedules" },
    { to: "/admin/reports", label: "admin.nav.reports" },
    { to: "/admin/config", label: "admin.nav.config" },
    { to: "/admin/audit", label: "admin.nav.audit" },
    { to: "/admin/templates", label: "admin.nav.templates" },
    { to: "/admin/deliveries", label: "admin.nav.deliveries" },
    ...billingNav,
  ],
  routes: [
    { path: "admin", element: <Navigate to="/admin/dashboard" replace /> },
    { path: "admin/dashboard", element: <Dashboard /> },
    { path: "admin/users", element: <Users /> },
    { path: "admin/services", element: <Services /> },
    { path: "admin/lab-tests", element: <LabCatalog /> },
    { path: "admin/medications", element: <Medications /> },
    { path: "admin/schedules", element: <Schedules /> },
    { path: "admin/reports", element: <Reports /> },
    { path: "admin/config", element: <Config /> },
    { path: "admin/audit", element: <Audit /> },
    { path: "admin/templates", element: <Templates /> },
    { path: "admin/deliveries", element: <Deliveries /> },
    ...billingRoutes,
  ],
};
