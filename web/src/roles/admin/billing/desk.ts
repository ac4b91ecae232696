// The billing desk's derivations: the search filters as URL parameters and back, and which
// of the desk's actions an invoice takes in its state.
import { InvoiceStatus, SourceType, type Invoice } from "@hms/sdk/hms/billing/v1/billing_pb";
import { balanceOf, isCancellable, isOpen } from "../../patient/billing";

export interface Filters {
  status: InvoiceStatus | undefined;
  source: SourceType;
  prefix: string;
  patientId: string;
}

export function filtersFrom(params: URLSearchParams): Filters {
  const status = InvoiceStatus[(params.get("status") ?? "") as keyof typeof InvoiceStatus];
  const source = SourceType[(params.get("source") ?? "") as keyof typeof SourceType];
  return {
    status: typeof status === "number" && status !== InvoiceStatus.UNSPECIFIED ? status : undefined,
    source: typeof source === "number" ? source : SourceType.UNSPECIFIED,
    prefix: params.get("number") ?? "",
    patientId: params.get("patient") ?? "",
  };
}

export function filtersParams(f: Filters): Record<string, string> {
  const out: Record<string, string> = {};
  if (f.status !== undefined) out.status = InvoiceStatus[f.status];
  if (f.source !== SourceType.UNSPECIFIED) out.source = SourceType[f.source];
  if (f.prefix.trim()) out.number = f.prefix.trim().toUpperCase();
  if (f.patientId.trim()) out.patient = f.patientId.trim();
  return out;
}

export type DeskAction = "discount" | "payment" | "writeOff" | "cancel";

/** The actions the service would accept on the invoice as it is. */
export function deskActions(invoice: Invoice): DeskAction[] {
  if (!isOpen(invoice)) return [];
  const actions: DeskAction[] = ["discount"];
  if (balanceOf(invoice) > 0n) actions.push("payment", "writeOff");
  if (isCancellable(invoice)) actions.push("cancel");
  return actions;
}
