// The patient's invoices (BillingService.ListPatientInvoices, newest first) and one
// invoice (GetInvoice) with its items, payments, a card payment and a link to claim it
// from their insurance.
import { useState } from "react";
import { Link, useParams } from "react-router";
import { Button } from "react-aria-components";
import { useInfiniteQuery, useQuery } from "@connectrpc/connect-query";
import { BillingService, type Invoice } from "@hms/sdk/hms/billing/v1/billing_pb";
import { useI18n } from "../../i18n";
import { formatDay, formatMoney } from "../../format";
import { Loading } from "../../components/Loading";
import { ProblemMessage } from "../../components/Problem";
import { useMyId } from "./me";
import { heldByPendingCards, isOpen, isPayable } from "./billing";
import { InvoiceItems, InvoiceStatusBadge, PaymentList, useMoney } from "./InvoiceParts";
import { PayDialog } from "./PayDialog";
import "./patient-billing.css";

const PAGE = 20;

function InvoiceCard({ invoice: inv }: { invoice: Invoice }) {
  const { t, lang } = useI18n();
  const money = useMoney();
  return (
    <li className="card invoice">
      <div className="appt-head">
        <h2 className="h3">{t("inv.number", { number: inv.invoiceNumber })}</h2>
        <InvoiceStatusBadge status={inv.status} />
      </div>
      <p className="meta">
        {inv.issueDate && t("inv.issued", { date: formatDay(inv.issueDate, lang, true) })}
        {inv.dueDate && isOpen(inv) && (
          <> · {t("inv.due", { date: formatDay(inv.dueDate, lang, true) })}</>
        )}
      </p>
      <p className="invoice-lines">{inv.items.map((i) => i.description).join(", ")}</p>
      <dl className="amounts">
        <div>
          <dt>{t("inv.total")}</dt>
          <dd>{money(inv.total)}</dd>
        </div>
        {isPayable(inv) && (
          <div>
            <dt>{t("inv.balance")}</dt>
            <dd className="strong">{money(inv.balance)}</dd>
          </div>
        )}
      </dl>
      <div className="actions">
        <Link
          className={`button ${isPayable(inv) ? "primary" : ""}`}
          to={`/invoices/${encodeURIComponent(inv.id)}`}
          aria-label={`${isPayable(inv) ? t("inv.pay") : t("inv.open")}: ${inv.invoiceNumber}`}
        >
          {isPayable(inv) ? t("inv.pay") : t("inv.open")}
        </Link>
      </div>
    </li>
  );
}

export function MyInvoices() {
  const { t } = useI18n();
  const patientId = useMyId();
  const list = useInfiniteQuery(
    BillingService.method.listPatientInvoices,
    { patientId, page: { pageSize: PAGE, pageToken: "" } },
    {
      enabled: !!patientId,
      pageParamKey: "page",
      getNextPageParam: (last) =>
        last.page?.nextPageToken
          ? { pageSize: PAGE, pageToken: last.page.nextPageToken }
          : undefined,
    },
  );
  const invoices = list.data?.pages.flatMap((p) => p.invoices) ?? [];
  return (
    <div>
      <h1>{t("inv.title")}</h1>
      <ProblemMessage error={list.error} />
      {list.isPending && <Loading />}
      {list.isSuccess && invoices.length === 0 && <p>{t("inv.none")}</p>}
      <ul className="appts invoices">
        {invoices.map((inv) => (
          <InvoiceCard key={inv.id} invoice={inv} />
        ))}
      </ul>
      {list.hasNextPage && (
        <Button
          className="button"
          isDisabled={list.isFetchingNextPage}
          onPress={() => void list.fetchNextPage()}
        >
          {t("app.more")}
        </Button>
      )}
    </div>
  );
}

export function MyInvoice() {
  const { t, lang } = useI18n();
  const { invoiceId = "" } = useParams();
  const got = useQuery(BillingService.method.getInvoice, { invoiceId }, { enabled: !!invoiceId });
  const [paying, setPaying] = useState(false);
  const inv = got.data?.invoice;
  const held = heldByPendingCards(got.data?.payments ?? []);
  return (
    <div className="invoice-page">
      <p>
        <Link to="/invoices">← {t("inv.back")}</Link>
      </p>
      <ProblemMessage error={got.error} />
      {got.isPending && <Loading />}
      {inv && (
        <>
          <div className="title-row">
            <h1>{t("inv.number", { number: inv.invoiceNumber })}</h1>
            <InvoiceStatusBadge status={inv.status} />
          </div>
          <p className="meta">
            {inv.issueDate && t("inv.issued", { date: formatDay(inv.issueDate, lang, true) })}
            {inv.dueDate && isOpen(inv) && (
              <> · {t("inv.due", { date: formatDay(inv.dueDate, lang, true) })}</>
            )}
          </p>
          {inv.statusReason && (
            <p className="note">{t("inv.statusReason", { reason: inv.statusReason })}</p>
          )}
          <section className="card">
            <InvoiceItems invoice={inv} />
            <div className="actions">
              {held > 0n && isOpen(inv) && (
                <p className="note">
                  {t("inv.paymentPending", {
                    amount: formatMoney(
                      { amountMinor: held, currency: inv.total?.currency || "VND" },
                      lang,
                    ),
                  })}
                </p>
              )}
              {isPayable(inv) || (held > 0n && isOpen(inv)) ? (
                <>
                  <Button className="button primary" onPress={() => setPaying(true)}>
                    {t("inv.pay")}
                  </Button>
                  <Link className="button" to={`/insurance?invoice=${encodeURIComponent(inv.id)}`}>
                    {t("inv.claim")}
                  </Link>
                </>
              ) : (
                <p className="meta">{t("inv.settled")}</p>
              )}
            </div>
          </section>
          <section>
            <h2>{t("inv.payments")}</h2>
            <PaymentList payments={got.data?.payments ?? []} refunds={got.data?.refunds ?? []} />
          </section>
          {paying && <PayDialog invoice={inv} held={held} onClose={() => setPaying(false)} />}
        </>
      )}
    </div>
  );
}
