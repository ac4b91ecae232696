// Paying an invoice by card (BillingService.PayInvoice) through the built-in test
// provider. Each intended payment has its own idempotency key: a retry of the same request
// (the answer was lost, or the provider has not confirmed yet) sends the same key, so the
// service never charges twice; a new card or amount starts a new attempt with a new key.
import { useState } from "react";
import { Button, Dialog, Form, Heading, Modal, ModalOverlay } from "react-aria-components";
import { createConnectQueryKey, useMutation } from "@connectrpc/connect-query";
import { useQueryClient } from "@tanstack/react-query";
import { BillingService, type Invoice } from "@hms/sdk/hms/billing/v1/billing_pb";
import { useI18n } from "../../i18n";
import { formatMoney } from "../../format";
import { toProblem } from "../../api/errors";
import { Field } from "../../components/fields";
import { ProblemMessage } from "../../components/Problem";
import {
  amountText,
  balanceOf,
  newIdempotencyKey,
  nextAttempt,
  outcomeUnknown,
  parseAmount,
  testCardToken,
  TEST_CARDS,
  type PaymentAttempt,
} from "./billing";

export function PayDialog({ invoice, onClose }: { invoice: Invoice; onClose: () => void }) {
  const { t, lang } = useI18n();
  const queries = useQueryClient();
  const currency = invoice.balance?.currency || invoice.total?.currency || "VND";
  const balance = balanceOf(invoice);
  const money = (amountMinor: bigint) => formatMoney({ amountMinor, currency }, lang);
  const [amount, setAmount] = useState(amountText(balance, currency));
  const [number, setNumber] = useState("");
  const [expiry, setExpiry] = useState("");
  const [cvc, setCvc] = useState("");
  const [invalid, setInvalid] = useState<Record<string, string>>({});
  const [attempt, setAttempt] = useState<PaymentAttempt | undefined>();
  const pay = useMutation(BillingService.method.payInvoice, {
    onSettled: () =>
      queries.invalidateQueries({
        queryKey: createConnectQueryKey({ schema: BillingService, cardinality: undefined }),
      }),
  });
  const problem = pay.error ? toProblem(pay.error) : undefined;
  const unknown = problem ? outcomeUnknown(problem) : false;
  const amountMinor = parseAmount(amount, currency);

  const send = (a: PaymentAttempt) => {
    setAttempt(a);
    pay.mutate(
      {
        invoiceId: invoice.id,
        idempotencyKey: a.key,
        amount: { amountMinor: a.amountMinor, currency },
        cardToken: a.token,
      },
      {
        onSuccess: () => {
          setAttempt({ ...a, settled: true });
        },
        onError: (error) => {
          if (!outcomeUnknown(toProblem(error))) setAttempt({ ...a, settled: true });
        },
      },
    );
  };

  const submit = () => {
    const errors: Record<string, string> = {};
    if (amountMinor === undefined || amountMinor > balance) {
      errors.amount = t("pay.amountInvalid", { balance: money(balance) });
    }
    const card = testCardToken({ number, expiry, cvc }, new Date());
    if (!card.ok) {
      const field = { "card.invalid": "number", "card.expiry": "expiry", "card.cvc": "cvc" }[
        card.problem
      ];
      errors[field] = t(card.problem);
    }
    setInvalid(errors);
    if (!card.ok || amountMinor === undefined || Object.keys(errors).length > 0) return;
    send(
      nextAttempt(
        attempt,
        { invoiceId: invoice.id, amountMinor, token: card.token },
        newIdempotencyKey,
      ),
    );
  };

  const paid = pay.data?.payment;
  return (
    <ModalOverlay
      isOpen
      isDismissable={!pay.isPending}
      onOpenChange={(open) => !open && onClose()}
      className="overlay"
    >
      <Modal className="modal">
        <Dialog className="dialog">
          <Heading slot="title">{t("pay.title", { number: invoice.invoiceNumber })}</Heading>
          {paid ? (
            <>
              <p className="note" role="status">
                {t("pay.done", {
                  amount: formatMoney(paid.amount ?? { amountMinor: 0n, currency }, lang),
                  last4: paid.cardLast4,
                })}
              </p>
              <div className="actions">
                <Button className="button primary" onPress={onClose}>
                  {t("app.close")}
                </Button>
              </div>
            </>
          ) : (
            <Form
              className="stack"
              validationErrors={invalid}
              onSubmit={(e) => {
                e.preventDefault();
                submit();
              }}
            >
              <Field
                label={t("pay.amount", { currency })}
                hint={t("pay.amountHint", { balance: money(balance) })}
                name="amount"
                value={amount}
                onChange={setAmount}
                inputMode={currency === "VND" ? "numeric" : "decimal"}
                isRequired
              />
              <Field
                label={t("pay.cardNumber")}
                name="number"
                value={number}
                onChange={setNumber}
                inputMode="numeric"
                autoComplete="cc-number"
                isRequired
              />
              <div className="row">
                <Field
                  label={t("pay.expiry")}
                  name="expiry"
                  value={expiry}
                  onChange={setExpiry}
                  autoComplete="cc-exp"
                  isRequired
                />
                <Field
                  label={t("pay.cvc")}
                  name="cvc"
                  value={cvc}
                  onChange={setCvc}
                  inputMode="numeric"
                  autoComplete="cc-csc"
                  isRequired
                />
              </div>
              <p className="meta">
                {t("pay.testCards", { ok: TEST_CARDS.ok, decline: TEST_CARDS.decline })}
              </p>
              {unknown ? (
                <p className="problem" role="alert">
                  {t("pay.unknownOutcome")}
                </p>
              ) : (
                <ProblemMessage error={pay.error} />
              )}
              <div className="actions">
                {unknown && attempt ? (
                  <Button
                    className="button primary"
                    isDisabled={pay.isPending}
                    onPress={() => send(attempt)}
                  >
                    {pay.isPending ? t("pay.paying") : t("pay.retrySame")}
                  </Button>
                ) : (
                  <Button type="submit" className="button primary" isDisabled={pay.isPending}>
                    {pay.isPending
                      ? t("pay.paying")
                      : t("pay.submit", { amount: money(amountMinor ?? 0n) })}
                  </Button>
                )}
                <Button className="button" onPress={onClose} isDisabled={pay.isPending}>
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
