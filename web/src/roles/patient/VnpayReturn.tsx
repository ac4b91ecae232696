// Where VNPay sends the patient back after its payment page (billing.vnpay.return_url points
// here). The query string VNPay signed goes to billing as it is (ConfirmVnpayReturn), which
// checks its signature and asks VNPay for the outcome rather than believing the browser.
import { useEffect } from "react";
import { Link, useLocation } from "react-router";
import { Button } from "react-aria-components";
import { useQuery } from "@connectrpc/connect-query";
import { BillingService, PaymentStatus } from "@hms/sdk/hms/billing/v1/billing_pb";
import { useI18n } from "../../i18n";
import { Loading } from "../../components/Loading";
import { ProblemMessage } from "../../components/Problem";
import { toProblem } from "../../api/errors";
import { useMoney } from "./InvoiceParts";
import { forgetAttempt } from "./billing";

export default function VnpayReturn() {
  const { t } = useI18n();
  const money = useMoney();
  const query = useLocation().search.replace(/^\?/, "");
  const confirmed = useQuery(
    BillingService.method.confirmVnpayReturn,
    { query },
    { enabled: query !== "", retry: false, staleTime: Infinity },
  );
  const payment = confirmed.data?.payment;
  useEffect(() => {
    if (confirmed.data?.invoice && payment?.status !== PaymentStatus.PENDING) {
      forgetAttempt(confirmed.data.invoice.id);
    }
  }, [confirmed.data, payment?.status]);
  const declined = !!confirmed.error && toProblem(confirmed.error).reason === "PAYMENT_DECLINED";
  const invoice = confirmed.data?.invoice;
  return (
    <div>
      <h1>{t("pay.return.title")}</h1>
      {confirmed.isFetching && <p role="status">{t("pay.return.checking")}</p>}
      {confirmed.isPending && query !== "" && <Loading />}
      {declined ? (
        <p className="problem" role="alert">
          {t("pay.return.declined")}
        </p>
      ) : (
        <ProblemMessage error={confirmed.error} />
      )}
      {payment?.status === PaymentStatus.SUCCESS && (
        <p className="note" role="status">
          {t("pay.return.paid", {
            amount: money(payment.amount),
            number: invoice?.invoiceNumber ?? "",
          })}
        </p>
      )}
      {payment?.status === PaymentStatus.PENDING && (
        <>
          <p className="note" role="status">
            {t("pay.return.pending")}
          </p>
          <Button
            className="button"
            isDisabled={confirmed.isFetching}
            onPress={() => void confirmed.refetch()}
          >
            {t("pay.return.check")}
          </Button>
        </>
      )}
      <p className="actions">
        {invoice ? (
          <Link className="button primary" to={`/invoices/${encodeURIComponent(invoice.id)}`}>
            {t("pay.return.invoice")}
          </Link>
        ) : (
          <Link className="button" to="/invoices">
            {t("pay.return.invoices")}
          </Link>
        )}
      </p>
    </div>
  );
}
