// The billing desk of the admin role: its navigation entries and screens.
import { lazy } from "react";
import type { RouteObject } from "react-router";
import type { NavItem } from "../../types";

const InvoiceSearch = lazy(() => import("./InvoiceSearch"));
const InvoiceDesk = lazy(() => import("./InvoiceDesk"));

export const billingNav: NavItem[] = [{ to: "/billing", label: "nav.billing" }];
export const billingRoutes: RouteObject[] = [
  { path: "billing", element: <InvoiceSearch /> },
  { path: "billing/invoices/:invoiceId", element: <InvoiceDesk /> },
];
