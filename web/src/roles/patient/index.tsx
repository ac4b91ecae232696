// The patient's screens: booking, their appointments, the feedback page the email links
// to (/feedback?appointment_id=…), their medical record, prescriptions, lab results, invoices (and the
// page VNPay sends them back to) and insurance.
import { lazy } from "react";
import { Role } from "@hms/sdk/hms/common/v1/access_pb";
import type { RoleModule } from "../types";

const Booking = lazy(() => import("./Booking"));
const MyAppointments = lazy(() => import("./MyAppointments"));
const Feedback = lazy(() => import("./Feedback"));
const MyRecord = lazy(() => import("./MyRecord"));
const Prescriptions = lazy(() => import("./Prescriptions"));
const LabResults = lazy(() => import("./LabResults"));
const MyInvoices = lazy(() => import("./Invoices").then((m) => ({ default: m.MyInvoices })));
const MyInvoice = lazy(() => import("./Invoices").then((m) => ({ default: m.MyInvoice })));
const Insurance = lazy(() => import("./Insurance"));
const VnpayReturn = lazy(() => import("./VnpayReturn"));

export const patient: RoleModule = {
  role: Role.PATIENT,
  home: "/book",
  nav: [
    { to: "/book", label: "nav.book" },
    { to: "/appointments", label: "nav.appointments" },
    { to: "/record", label: "nav.record" },
    { to: "/prescriptions", label: "nav.prescriptions" },
    { to: "/lab-results", label: "mlab.nav" },
    { to: "/invoices", label: "nav.invoices" },
    { to: "/insurance", label: "nav.insurance" },
  ],
  routes: [
    { path: "book", element: <Booking /> },
    { path: "appointments", element: <MyAppointments /> },
    { path: "feedback", element: <Feedback /> },
    { path: "record", element: <MyRecord /> },
    { path: "prescriptions", element: <Prescriptions /> },
    { path: "lab-results", element: <LabResults /> },
    { path: "invoices", element: <MyInvoices /> },
    { path: "invoices/:invoiceId", element: <MyInvoice /> },
    { path: "insurance", element: <Insurance /> },
    { path: "payments/vnpay/return", element: <VnpayReturn /> },
  ],
};
