// One invoice at the billing desk (BillingService.GetInvoice) with what an admin may do to
// it: set the discount, record a cash, bank or voucher payment, refund a payment, write off
// the open balance, or cancel it. Each action is filled in, reviewed as one sentence, then confirmed; a
// manual payment carries an idempotency key per attempt, reused when it is retried.
import { useState } from "react";
import { Link, useLocation, useParams } from "react-router";
import { Button, Dialog, Form, Heading, Modal, ModalOverlay } from "react-aria-components";
import { createConnectQueryKey, useMutation, useQuery } from "@connectrpc/connect-query";
import { useQueryClient } from "@tanstack/react-query";
import {
  BillingService,
  PaymentMethod,
  SourceType,
  type Invoice,
  type Payment,
} from "@hms/sdk/hms/billing/v1/billing_pb";
import { useI18n, type MessageKey } from "../../../i18n";
import { formatDay, formatMoney } from "../../../format";
import { toProblem } from "../../../api/errors";
import { Field } from "../../../components/fields";
import { Loading } from "../../../components/Loading";
import { ProblemMessage } from "../../../components/Problem";
import {
  amountText,
  balanceOf,
  newIdempotencyKey,
  nextAttempt,
  outcomeUnknown,
  parseAmount,
  paymentMethodLabel,
  type PaymentAttempt,
} from "../../patient/billing";
import { InvoiceItems, InvoiceStatusBadge, PaymentList } from "../../patient/InvoiceParts";
import { deskActions, type DeskAction } from "./desk";
import { PatientName } from "./PatientName";
import { RefundDialog } from "./RefundDialog";
import { sourceLabel } from "./InvoiceSearch";
import "../../patient/patient-billing.css";
import "./billing-desk.css";

const titles: Record<DeskAction, MessageKey> = {
  discount: "desk.discount",
  payment: "desk.payment",
  writeOff: "desk.writeOff",
  cancel: "desk.cancel",
};

const METHODS = [PaymentMethod.CASH, PaymentMethod.BANK_TRANSFER, PaymentMethod.VOUCHER];

function ActionDialog({
  invoice,
  action,
  onClose,
}: {
  invoice: Invoice;
  action: DeskAction;
  onClose: () => void;
}) {
  const { t, lang } = useI18n();
  const queries = useQueryClient();
  const currency = invoice.total?.currency || "VND";
  const money = (amountMinor: bigint) => formatMoney({ amountMinor, currency }, lang);
  const balance = balanceOf(invoice);
  const subtotal = invoice.subtotal?.amountMinor ?? 0n;
  const onSettled = () =>
    queries.invalidateQueries({
      queryKey: createConnectQueryKey({ schema: BillingService, cardinality: undefined }),
    });
  const discount = useMutation(BillingService.method.applyDiscount, { onSettled });
  const payment = useMutation(BillingService.method.recordPayment, { onSettled });
  const writeOff = useMutation(BillingService.method.writeOffInvoice, { onSettled });
  const cancel = useMutation(BillingService.method.cancelInvoice, { onSettled });
  const mutation = { discount, payment, writeOff, cancel }[action];

  const [amount, setAmount] = useState(
    action === "discount"
      ? amountText(invoice.discount?.amountMinor ?? 0n, currency)
      : amountText(balance, currency),
  );
  const [method, setMethod] = useState(PaymentMethod.CASH);
  const [reference, setReference] = useState("");
  const [reason, setReason] = useState("");
  const [invalid, setInvalid] = useState<Record<string, string>>({});
  const [reviewing, setReviewing] = useState(false);
  const [attempt, setAttempt] = useState<PaymentAttempt | undefined>();
  const minor = /^\s*0+\s*$/.test(amount) ? 0n : parseAmount(amount, currency);
  const problem = mutation.error ? toProblem(mutation.error) : undefined;
  const retrySame = action === "payment" && !!problem && outcomeUnknown(problem);

  const review = () => {
    const errors: Record<string, string> = {};
    if (action === "discount" && (minor === undefined || minor > subtotal)) {
      errors.amount = t("desk.discountInvalid", { max: money(subtotal) });
    }
    if (action === "payment") {
      if (minor === undefined || minor <= 0n || minor > balance) {
        errors.amount = t("desk.amountInvalid", { max: money(balance) });
      }
      if (method !== PaymentMethod.CASH && !reference.trim()) {
        errors.reference = t("desk.referenceNeeded");
      }
    }
    if ((action === "writeOff" || action === "cancel") && !reason.trim()) {
      errors.reason = t("desk.reasonNeeded");
    }
    setInvalid(errors);
    if (Object.keys(errors).length === 0) {
      mutation.reset();
      setReviewing(true);
    }
  };

  const sendPayment = (a: PaymentAttempt) => {
    setAttempt(a);
    payment.mutate(
      {
        invoiceId: invoice.id,
        idempotencyKey: a.key,
        amount: { amountMinor: a.amountMinor, currency },
        method,
        reference: reference.trim(),
      },
      {
        onSuccess: () => setAttempt({ ...a, settled: true }),
        onError: (e) => {
          if (!outcomeUnknown(toProblem(e))) setAttempt({ ...a, settled: true });
        },
      },
    );
  };

  const confirm = () => {
    const value = minor ?? 0n;
    switch (action) {
      case "discount":
        discount.mutate({ invoiceId: invoice.id, discountMinor: value });
        break;
      case "payment":
        sendPayment(
          nextAttempt(
            attempt,
            {
              invoiceId: invoice.id,
              amountMinor: value,
              token: `${PaymentMethod[method]}:${reference.trim()}`,
            },
            newIdempotencyKey,
          ),
        );
        break;
      case "writeOff":
        writeOff.mutate({ invoiceId: invoice.id, reason: reason.trim() });
        break;
      case "cancel":
        cancel.mutate({ invoiceId: invoice.id, reason: reason.trim() });
        break;
    }
  };

  const question = (): string => {
    const n = invoice.invoiceNumber;
    switch (action) {
      case "discount":
        return t("desk.discountConfirm", { number: n, amount: money(minor ?? 0n) });
      case "payment":
        return t("desk.paymentConfirm", {
          number: n,
          amount: money(minor ?? 0n),
          method: t(paymentMethodLabel(method)),
        });
      case "writeOff":
        return t("desk.writeOffConfirm", { number: n, balance: money(balance) });
      case "cancel":
        return t("desk.cancelConfirm", {
          number: n,
          total: money(invoice.total?.amountMinor ?? 0n),
        });
    }
  };

  const done = (): string | undefined => {
    if (discount.data?.invoice) {
      const i = discount.data.invoice;
      return t("desk.discountDone", {
        amount: money(i.discount?.amountMinor ?? 0n),
        total: money(i.total?.amountMinor ?? 0n),
      });
    }
    if (payment.data?.invoice) {
      return t("desk.paymentDone", {
        amount: money(payment.data.payment?.amount?.amountMinor ?? 0n),
        balance: money(balanceOf(payment.data.invoice)),
      });
    }
    if (writeOff.isSuccess) return t("desk.writeOffDone");
    if (cancel.isSuccess) return t("desk.cancelDone");
    return undefined;
  };
  const result = done();

  return (
    <ModalOverlay
      isOpen
      isDismissable={!mutation.isPending}
      onOpenChange={(open) => !open && onClose()}
      className="overlay"
    >
      <Modal className="modal">
        <Dialog className="dialog">
          <Heading slot="title">
            {t(titles[action])} · {invoice.invoiceNumber}
          </Heading>
          {result ? (
            <>
              <p className="note" role="status">
                {result}
              </p>
              <div className="actions">
                <Button className="button primary" onPress={onClose}>
                  {t("app.close")}
                </Button>
              </div>
            </>
          ) : reviewing ? (
            <>
              <p className="confirm-question">{question()}</p>
              {(action === "writeOff" || action === "cancel") && (
                <p className="meta">
                  {t("desk.reason")}: {reason.trim()}
                </p>
              )}
              <ProblemMessage error={mutation.error} />
              <div className="actions">
                <Button
                  className={`button ${action === "writeOff" || action === "cancel" ? "danger" : "primary"}`}
                  isDisabled={mutation.isPending}
                  onPress={() => (retrySame && attempt ? sendPayment(attempt) : confirm())}
                >
                  {retrySame ? t("app.retry") : t("desk.confirm")}
                </Button>
                <Button
                  className="button"
                  isDisabled={mutation.isPending}
                  onPress={() => setReviewing(false)}
                >
                  {t("desk.edit")}
                </Button>
              </div>
            </>
          ) : (
            <Form
              className="stack"
              validationErrors={invalid}
              onSubmit={(e) => {
                e.preventDefault();
                review();
              }}
            >
              {action === "discount" && (
                <Field
                  label={t("desk.discountAmount", { currency })}
                  hint={t("desk.discountHint", {
                    current: money(invoice.discount?.amountMinor ?? 0n),
                    subtotal: money(subtotal),
                  })}
                  name="amount"
                  value={amount}
                  onChange={setAmount}
                  inputMode="numeric"
                  isRequired
                />
              )}
              {action === "payment" && (
                <>
                  <div className="field">
                    <label htmlFor="desk-method">{t("desk.method")}</label>
                    <select
                      id="desk-method"
                      value={PaymentMethod[method]}
                      onChange={(e) =>
                        setMethod(PaymentMethod[e.target.value as keyof typeof PaymentMethod])
                      }
                    >
                      {METHODS.map((m) => (
                        <option key={m} value={PaymentMethod[m]}>
                          {t(paymentMethodLabel(m))}
                        </option>
                      ))}
                    </select>
                  </div>
                  <Field
                    label={t("desk.amount", { currency })}
                    hint={t("desk.amountHint", { balance: money(balance) })}
                    name="amount"
                    value={amount}
                    onChange={setAmount}
                    inputMode="numeric"
                    isRequired
                  />
                  <Field
                    label={t("desk.reference")}
                    name="reference"
                    value={reference}
                    onChange={setReference}
                  />
                </>
              )}
              {(action === "writeOff" || action === "cancel") && (
                <Field
                  label={t("desk.reason")}
                  hint={t("desk.reasonNeeded")}
                  name="reason"
                  value={reason}
                  onChange={setReason}
                  multiline
                  isRequired
                />
              )}
              <div className="actions">
                <Button type="submit" className="button primary">
                  {t("desk.review")}
                </Button>
                <Button className="button" onPress={onClose}>
                  {t("app.cancel")}
                </Button>
              </div>
            </Form>
          )}
        </Dialog>
      </Modal>
    </ModalOverlay>
  );
}

export default function InvoiceDesk() {
  const { t, lang } = useI18n();
  const { invoiceId = "" } = useParams();
  // Back to the search this invoice was opened from, with its filters.
  const from: unknown = useLocation().state;
  const search =
    typeof from === "object" && from && "search" in from && typeof from.search === "string"
      ? from.search
      : "";
  const got = useQuery(BillingService.method.getInvoice, { invoiceId }, { enabled: !!invoiceId });
  const [action, setAction] = useState<DeskAction | undefined>();
  const [refunding, setRefunding] = useState<Payment | undefined>();
  const inv = got.data?.invoice;
  const actions = inv ? deskActions(inv) : [];
  return (
    <div className="desk">
      <p>
        <Link to={search ? `/billing?${search}` : "/billing"}>← {t("desk.back")}</Link>
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
            {t("desk.patient")}: <PatientName id={inv.patientId} />
            {inv.issueDate && (
              <> · {t("inv.issued", { date: formatDay(inv.issueDate, lang, true) })}</>
            )}
            {inv.dueDate && <> · {t("desk.due", { date: formatDay(inv.dueDate, lang, true) })}</>}
            {" · "}
            {inv.sourceType === SourceType.MANUAL
              ? t(sourceLabel(inv.sourceType))
              : t("desk.sourceLine", { source: t(sourceLabel(inv.sourceType)), id: inv.sourceId })}
          </p>
          {inv.statusReason && (
            <p className="note">{t("inv.statusReason", { reason: inv.statusReason })}</p>
          )}
          <div className="desk-grid">
            <section className="card">
              <InvoiceItems invoice={inv} />
            </section>
            <section className="card" aria-labelledby="desk-actions">
              <h2 id="desk-actions">{t("desk.actions")}</h2>
              {actions.length === 0 ? (
                <p className="meta">{t("desk.closed")}</p>
              ) : (
                <div className="stack">
                  {actions.map((a) => (
                    <Button
                      key={a}
                      className={`button ${a === "writeOff" || a === "cancel" ? "danger" : ""}`}
                      onPress={() => setAction(a)}
                    >
                      {t(titles[a])}
                    </Button>
                  ))}
                </div>
              )}
            </section>
          </div>
          <section>
            <h2>{t("inv.payments")}</h2>
            <PaymentList
              payments={got.data?.payments ?? []}
              refunds={got.data?.refunds ?? []}
              withReference
              onRefund={setRefunding}
            />
          </section>
          {action && (
            <ActionDialog invoice={inv} action={action} onClose={() => setAction(undefined)} />
          )}
          {refunding && (
            <RefundDialog payment={refunding} onClose={() => setRefunding(undefined)} />
          )}
        </>
      )}
    </div>
  );
}
