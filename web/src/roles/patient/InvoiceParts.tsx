// Pieces of an invoice shared by the patient's pages and the admin's billing desk: the
// status badge, the items with the totals, and the payments made on it with their refunds.
import { Button } from "react-aria-components";
import {
  RefundStatus,
  type Invoice,
  type Payment,
  type Refund,
} from "@hms/sdk/hms/billing/v1/billing_pb";
import type { Money } from "@hms/sdk/hms/common/v1/money_pb";
import { useI18n, type MessageKey } from "../../i18n";
import { formatDateTime, formatMoney } from "../../format";
import { useClinicZone } from "../../format/zone";
import { invoiceStatusLabel, paymentMethodLabel, paymentStatusLabel, refundable } from "./billing";
import { InvoiceStatus } from "@hms/sdk/hms/billing/v1/billing_pb";

export function InvoiceStatusBadge({ status }: { status: InvoiceStatus }) {
  const { t } = useI18n();
  return (
    <span className={`status inv-${InvoiceStatus[status] ?? ""}`}>
      {t(invoiceStatusLabel(status))}
    </span>
  );
}

export function useMoney(): (m: Money | undefined) => string {
  const { lang } = useI18n();
  return (m) => formatMoney(m ?? { amountMinor: 0n, currency: "VND" }, lang);
}

export function InvoiceItems({ invoice }: { invoice: Invoice }) {
  const { t } = useI18n();
  const money = useMoney();
  const zero = (m: Money | undefined) => !m || m.amountMinor === 0n;
  return (
    <div className="table-wrap">
      <table className="table invoice-items">
        <caption className="sr-only">{t("inv.items")}</caption>
        <thead>
          <tr>
            <th scope="col">{t("inv.item")}</th>
            <th scope="col" className="num">
              {t("inv.quantity")}
            </th>
            <th scope="col" className="num">
              {t("inv.unitPrice")}
            </th>
            <th scope="col" className="num">
              {t("inv.lineTotal")}
            </th>
          </tr>
        </thead>
        <tbody>
          {invoice.items.map((item, i) => (
            <tr key={i}>
              <td>{item.description}</td>
              <td className="num">{String(item.quantity)}</td>
              <td className="num">{money(item.unitPrice)}</td>
              <td className="num">{money(item.total)}</td>
            </tr>
          ))}
        </tbody>
        <tfoot>
          <tr>
            <th scope="row" colSpan={3}>
              {t("inv.subtotal")}
            </th>
            <td className="num">{money(invoice.subtotal)}</td>
          </tr>
          {!zero(invoice.discount) && (
            <tr>
              <th scope="row" colSpan={3}>
                {t("inv.discount")}
              </th>
              <td className="num">−{money(invoice.discount)}</td>
            </tr>
          )}
          {!zero(invoice.tax) && (
            <tr>
              <th scope="row" colSpan={3}>
                {t("inv.tax")}
              </th>
              <td className="num">{money(invoice.tax)}</td>
            </tr>
          )}
          <tr className="strong">
            <th scope="row" colSpan={3}>
              {t("inv.total")}
            </th>
            <td className="num">{money(invoice.total)}</td>
          </tr>
          {!zero(invoice.paidByPatient) && (
            <tr>
              <th scope="row" colSpan={3}>
                {t("inv.paidByPatient")}
              </th>
              <td className="num">−{money(invoice.paidByPatient)}</td>
            </tr>
          )}
          {!zero(invoice.paidByInsurance) && (
            <tr>
              <th scope="row" colSpan={3}>
                {t("inv.paidByInsurance")}
              </th>
              <td className="num">−{money(invoice.paidByInsurance)}</td>
            </tr>
          )}
          {invoice.status === InvoiceStatus.WRITTEN_OFF ? (
            <tr className="strong">
              <th scope="row" colSpan={3}>
                {t("inv.status.WRITTEN_OFF")}
              </th>
              <td className="num">{money(invoice.balance)}</td>
            </tr>
          ) : (
            invoice.status !== InvoiceStatus.CANCELLED && (
              <tr className="strong">
                <th scope="row" colSpan={3}>
                  {t("inv.balance")}
                </th>
                <td className="num">{money(invoice.balance)}</td>
              </tr>
            )
          )}
        </tfoot>
      </table>
    </div>
  );
}

const refundStatusKeys: Record<RefundStatus, MessageKey> = {
  [RefundStatus.UNSPECIFIED]: "refund.status.UNSPECIFIED",
  [RefundStatus.PENDING]: "refund.status.PENDING",
  [RefundStatus.SUCCEEDED]: "refund.status.SUCCEEDED",
  [RefundStatus.FAILED]: "refund.status.FAILED",
};

export function PaymentList({
  payments,
  refunds = [],
  withReference = false,
  onRefund,
}: {
  payments: Payment[];
  refunds?: Refund[];
  /** Show the provider's charge id or the desk's reference (for staff). */
  withReference?: boolean;
  /** Offered on payments with something left to refund (billing staff). */
  onRefund?: (payment: Payment) => void;
}) {
  const { t, lang } = useI18n();
  const zone = useClinicZone();
  const money = useMoney();
  if (payments.length === 0) return <p className="meta">{t("inv.noPayments")}</p>;
  return (
    <ul className="plain payments">
      {payments.map((p) => {
        const theirs = refunds.filter((r) => r.paymentId === p.id);
        return (
          <li key={p.id}>
            <strong>{money(p.amount)}</strong> · {t(paymentMethodLabel(p.method))}
            {p.cardLast4 && <> ({t("pay.card", { last4: p.cardLast4 })})</>} ·{" "}
            <span className={`tag pay-${String(p.status)}`}>{t(paymentStatusLabel(p.status))}</span>
            {!!p.refunded?.amountMinor && (
              <span className="meta"> · {t("pay.refunded", { amount: money(p.refunded) })}</span>
            )}
            {p.createTime && (
              <span className="meta"> · {formatDateTime(p.createTime, zone, lang)}</span>
            )}
            {withReference && p.transactionId && <span className="meta"> · {p.transactionId}</span>}
            {p.failureReason && <span className="meta"> · {p.failureReason}</span>}
            {onRefund && refundable(p) > 0n && (
              <>
                {" "}
                <Button className="button small" onPress={() => onRefund(p)}>
                  {t("refund.action")}
                </Button>
              </>
            )}
            {theirs.length > 0 && (
              <ul className="plain refunds" aria-label={t("pay.refunds")}>
                {theirs.map((r) => (
                  <li key={r.id}>
                    ↩ <strong>{money(r.amount)}</strong> ·{" "}
                    <span className={`tag refund-${String(r.status)}`}>
                      {t(refundStatusKeys[r.status] ?? "refund.status.UNSPECIFIED")}
                    </span>
                    {r.createTime && (
                      <span className="meta"> · {formatDateTime(r.createTime, zone, lang)}</span>
                    )}
                    <span className="meta"> · {r.reason}</span>
                    {r.failureReason && <span className="meta"> · {r.failureReason}</span>}
                  </li>
                ))}
              </ul>
            )}
          </li>
        );
      })}
    </ul>
  );
}
