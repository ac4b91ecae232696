// Refunding all or part of a payment at the billing desk (BillingService.RefundPayment):
// amount and reason, reviewed as one sentence, then confirmed. A card payment goes back
// through its provider. Each intended refund has its own idempotency key, reused when its
// outcome is unknown (the answer was lost, or the provider has not confirmed yet), so a
// retry never refunds twice.
import { useState } from "react";
import { Button, Dialog, Form, Heading, Modal, ModalOverlay } from "react-aria-components";
import { createConnectQueryKey, useMutation } from "@connectrpc/connect-query";
import { useQueryClient } from "@tanstack/react-query";
import { BillingService, RefundStatus, type Payment } from "@hms/sdk/hms/billing/v1/billing_pb";
import { useI18n } from "../../../i18n";
import { formatMoney } from "../../../format";
import { toProblem } from "../../../api/errors";
import { Field } from "../../../components/fields";
import { ProblemMessage } from "../../../components/Problem";
import {
  amountText,
  balanceOf,
  newIdempotencyKey,
  nextAttempt,
  outcomeUnknown,
  parseAmount,
  refundable,
  type PaymentAttempt,
} from "../../patient/billing";

export function RefundDialog({ payment, onClose }: { payment: Payment; onClose: () => void }) {
  const { t, lang } = useI18n();
  const queries = useQueryClient();
  const currency = payment.amount?.currency || "VND";
  const money = (amountMinor: bigint) => formatMoney({ amountMinor, currency }, lang);
  const most = refundable(payment);
  const [amount, setAmount] = useState(amountText(most, currency));
  const [reason, setReason] = useState("");
  const [invalid, setInvalid] = useState<Record<string, string>>({});
  const [reviewing, setReviewing] = useState(false);
  const [attempt, setAttempt] = useState<PaymentAttempt | undefined>();
  const refund = useMutation(BillingService.method.refundPayment, {
    onSettled: () =>
      queries.invalidateQueries({
        queryKey: createConnectQueryKey({ schema: BillingService, cardinality: undefined }),
      }),
  });
  const minor = parseAmount(amount, currency);
  const problem = refund.error ? toProblem(refund.error) : undefined;
  const unknown = !!problem && (outcomeUnknown(problem) || problem.reason === "REFUND_PENDING");

  const review = () => {
    const errors: Record<string, string> = {};
    if (minor === undefined || minor > most) {
      errors.amount = t("refund.amountInvalid", { max: money(most) });
    }
    if (!reason.trim()) errors.reason = t("desk.reasonNeeded");
    setInvalid(errors);
    if (Object.keys(errors).length === 0) {
      refund.reset();
      setReviewing(true);
    }
  };

  const send = (a: PaymentAttempt) => {
    setAttempt(a);
    refund.mutate(
      {
        paymentId: payment.id,
        idempotencyKey: a.key,
        amount: { amountMinor: a.amountMinor, currency },
        reason: reason.trim(),
      },
      {
        onSuccess: () => setAttempt({ ...a, settled: true }),
        onError: (e) => {
          const p = toProblem(e);
          if (!outcomeUnknown(p) && p.reason !== "REFUND_PENDING")
            setAttempt({ ...a, settled: true });
        },
      },
    );
  };

  // The same payment, amount and reason is the same refund (its key again while unsettled).
  const confirm = () =>
    send(
      nextAttempt(
        attempt,
        { invoiceId: payment.id, amountMinor: minor ?? 0n, token: reason.trim() },
        newIdempotencyKey,
      ),
    );

  const made = refund.data?.refund;
  const result = made
    ? made.status === RefundStatus.PENDING
      ? t("refund.pending", { amount: money(made.amount?.amountMinor ?? 0n) })
      : t("refund.done", {
          amount: money(made.amount?.amountMinor ?? 0n),
          balance: money(refund.data?.invoice ? balanceOf(refund.data.invoice) : 0n),
        })
    : undefined;

  return (
    <ModalOverlay
      isOpen
      isDismissable={!refund.isPending}
      onOpenChange={(open) => !open && onClose()}
      className="overlay"
    >
      <Modal className="modal">
        <Dialog className="dialog">
          <Heading slot="title">{t("refund.title")}</Heading>
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
              <p className="confirm-question">
                {t("refund.confirm", {
                  amount: money(minor ?? 0n),
                  paid: money(payment.amount?.amountMinor ?? 0n),
                })}
              </p>
              <p className="meta">
                {t("desk.reason")}: {reason.trim()}
              </p>
              {unknown ? (
                <p className="problem" role="alert">
                  {t("refund.unknownOutcome")}
                </p>
              ) : (
                <ProblemMessage error={refund.error} />
              )}
              <div className="actions">
                <Button
                  className="button danger"
                  isDisabled={refund.isPending}
                  onPress={() => (unknown && attempt ? send(attempt) : confirm())}
                >
                  {unknown ? t("app.retry") : t("desk.confirm")}
                </Button>
                <Button
                  className="button"
                  isDisabled={refund.isPending}
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
              <Field
                label={t("desk.amount", { currency })}
                hint={t("refund.amountHint", { max: money(most) })}
                name="amount"
                value={amount}
                onChange={setAmount}
                inputMode="numeric"
                isRequired
              />
              <Field
                label={t("desk.reason")}
                hint={t("refund.reasonHint")}
                name="reason"
                value={reason}
                onChange={setReason}
                multiline
                isRequired
              />
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
