// Paying an invoice by card (BillingService.PayInvoice) through the provider billing names
// for its currency (GetPaymentOptions): the built-in test provider's test cards, Stripe's
// card field (Elements, then its 3-D Secure step when the bank asks), or VNPay's own page.
// Each intended payment has its own idempotency key: a retry of the same request (the
// answer was lost, or the payer has just finished the bank's step) sends the same key, so
// the service never charges twice; a new card or amount starts a new attempt with a new key.
import { useCallback, useState } from "react";
import { Button, Dialog, Form, Heading, Modal, ModalOverlay } from "react-aria-components";
import { createConnectQueryKey, useMutation, useQuery } from "@connectrpc/connect-query";
import { useQueryClient } from "@tanstack/react-query";
import {
  BillingService,
  PaymentProviderKind,
  PaymentStatus,
  type Invoice,
  type PayInvoiceResponse,
} from "@hms/sdk/hms/billing/v1/billing_pb";
import { useI18n } from "../../i18n";
import { formatMoney } from "../../format";
import { toProblem } from "../../api/errors";
import { Field } from "../../components/fields";
import { ProblemMessage } from "../../components/Problem";
import { Loading } from "../../components/Loading";
import { StripeCardField, type MountedCard } from "./StripeCard";
import {
  amountText,
  balanceOf,
  newIdempotencyKey,
  nextAttempt,
  outcomeUnknown,
  parseAmount,
  forgetAttempt,
  rememberAttempt,
  rememberedAttempt,
  testCardToken,
  TEST_CARDS,
  type PaymentAttempt,
} from "./billing";

export function PayDialog({
  invoice,
  held = 0n,
  onClose,
}: {
  invoice: Invoice;
  /** Held by unfinished card payments, which a new payment replaces. */
  held?: bigint;
  onClose: () => void;
}) {
  const { t, lang } = useI18n();
  const queries = useQueryClient();
  const currency = invoice.balance?.currency || invoice.total?.currency || "VND";
  const balance = balanceOf(invoice) + held;
  const money = (amountMinor: bigint) => formatMoney({ amountMinor, currency }, lang);
  const options = useQuery(BillingService.method.getPaymentOptions, { currency });
  const provider = options.data?.provider;
  // A payment left on the provider's page is continued, not started twice.
  const [attempt, setAttempt] = useState<PaymentAttempt | undefined>(() =>
    held > 0n ? rememberedAttempt(invoice.id) : undefined,
  );
  const [amount, setAmount] = useState(amountText(attempt?.amountMinor ?? balance, currency));
  const [number, setNumber] = useState("");
  const [expiry, setExpiry] = useState("");
  const [cvc, setCvc] = useState("");
  const [stripeCard, setStripeCard] = useState<MountedCard | undefined>();
  const onCardReady = useCallback((card: MountedCard | undefined) => setStripeCard(card), []);
  const [invalid, setInvalid] = useState<Record<string, string>>({});
  // The bank's step (3-D Secure) is running, or it ended without the bank's yes.
  const [authenticating, setAuthenticating] = useState(false);
  const [authProblem, setAuthProblem] = useState<string | undefined>();
  const pay = useMutation(BillingService.method.payInvoice, {
    onSettled: () =>
      queries.invalidateQueries({
        queryKey: createConnectQueryKey({ schema: BillingService, cardinality: undefined }),
      }),
  });
  const problem = pay.error ? toProblem(pay.error) : undefined;
  const unknown = problem ? outcomeUnknown(problem) : false;
  const amountMinor = parseAmount(amount, currency);
  const busy = pay.isPending || authenticating;

  // What the provider asks of the payer after PayInvoice answered PENDING.
  const followPayer = (a: PaymentAttempt, answer: PayInvoiceResponse, authenticated: boolean) => {
    const action = answer.payerAction?.action;
    if (action?.case === "redirectUrl") {
      rememberAttempt(a);
      window.location.assign(action.value);
      return;
    }
    if (action?.case === "stripe" && stripeCard && !authenticated) {
      setAuthenticating(true);
      stripeCard.client.confirmCardPayment(action.value.clientSecret).then(
        (result) => {
          setAuthenticating(false);
          if (result.error) {
            // Nothing was charged; a new try is a new attempt, which supersedes this one.
            setAuthProblem(result.error.message ?? t("pay.authFailed"));
            setAttempt({ ...a, settled: true });
          } else {
            send(a, true);
          }
        },
        () => {
          setAuthenticating(false);
          setAuthProblem(t("pay.authFailed"));
        },
      );
    }
  };

  const send = (a: PaymentAttempt, authenticated = false) => {
    setAttempt(a);
    setAuthProblem(undefined);
    pay.mutate(
      {
        invoiceId: invoice.id,
        idempotencyKey: a.key,
        amount: { amountMinor: a.amountMinor, currency },
        cardToken: a.token,
      },
      {
        onSuccess: (answer) => {
          const pending = answer.payment?.status === PaymentStatus.PENDING;
          setAttempt({ ...a, settled: !pending });
          if (!pending) forgetAttempt(invoice.id);
          if (pending) followPayer(a, answer, authenticated);
        },
        onError: (error) => {
          if (!outcomeUnknown(toProblem(error))) setAttempt({ ...a, settled: true });
        },
      },
    );
  };

  /** The card token of this provider, or the fields' problems. */
  const cardToken = async (errors: Record<string, string>): Promise<string | undefined> => {
    if (provider === PaymentProviderKind.VNPAY) return "";
    if (provider === PaymentProviderKind.STRIPE) {
      if (!stripeCard) {
        errors.card = t("pay.stripeUnavailable");
        return undefined;
      }
      const made = await stripeCard.client.createPaymentMethod({
        type: "card",
        card: stripeCard.card,
      });
      if (!made?.paymentMethod) errors.card = made?.error?.message ?? t("card.invalid");
      return made?.paymentMethod?.id;
    }
    const card = testCardToken({ number, expiry, cvc }, new Date());
    if (card.ok) return card.token;
    const field = { "card.invalid": "number", "card.expiry": "expiry", "card.cvc": "cvc" }[
      card.problem
    ];
    errors[field] = t(card.problem);
    return undefined;
  };

  const submit = async () => {
    const errors: Record<string, string> = {};
    if (amountMinor === undefined || amountMinor > balance) {
      errors.amount = t("pay.amountInvalid", { balance: money(balance) });
    }
    const token = amountMinor === undefined ? undefined : await cardToken(errors);
    setInvalid(errors);
    if (token === undefined || amountMinor === undefined || Object.keys(errors).length > 0) return;
    send(nextAttempt(attempt, { invoiceId: invoice.id, amountMinor, token }, newIdempotencyKey));
  };

  const paid = pay.data?.payment?.status === PaymentStatus.SUCCESS ? pay.data.payment : undefined;
  const redirecting =
    pay.data?.payment?.status === PaymentStatus.PENDING &&
    pay.data.payerAction?.action.case === "redirectUrl";
  const waiting =
    pay.data?.payment?.status === PaymentStatus.PENDING && !redirecting && !authenticating;
  const cardFields =
    provider === PaymentProviderKind.STRIPE && options.data?.stripe ? (
      <StripeCardField options={options.data.stripe} onReady={onCardReady} error={invalid.card} />
    ) : provider === PaymentProviderKind.VNPAY ? (
      <p className="meta">{t("pay.vnpayNote")}</p>
    ) : (
      <>
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
      </>
    );
  const submitLabel =
    provider === PaymentProviderKind.VNPAY
      ? t("pay.submitVnpay", { amount: money(amountMinor ?? 0n) })
      : t("pay.submit", { amount: money(amountMinor ?? 0n) });

  return (
    <ModalOverlay
      isOpen
      isDismissable={!busy}
      onOpenChange={(open) => !open && onClose()}
      className="overlay"
    >
      <Modal className="modal">
        <Dialog className="dialog">
          <Heading slot="title">{t("pay.title", { number: invoice.invoiceNumber })}</Heading>
          {paid ? (
            <>
              <p className="note" role="status">
                {paid.cardLast4
                  ? t("pay.done", {
                      amount: formatMoney(paid.amount ?? { amountMinor: 0n, currency }, lang),
                      last4: paid.cardLast4,
                    })
                  : t("pay.doneNoCard", {
                      amount: formatMoney(paid.amount ?? { amountMinor: 0n, currency }, lang),
                    })}
              </p>
              <div className="actions">
                <Button className="button primary" onPress={onClose}>
                  {t("app.close")}
                </Button>
              </div>
            </>
          ) : redirecting ? (
            <p className="note" role="status">
              {t("pay.toVnpay")}
            </p>
          ) : options.isPending ? (
            <Loading />
          ) : options.error ? (
            <ProblemMessage error={options.error} />
          ) : (
            <Form
              className="stack"
              validationErrors={invalid}
              onSubmit={(e) => {
                e.preventDefault();
                void submit();
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
              {cardFields}
              {authenticating && (
                <p className="note" role="status">
                  {t("pay.authenticating")}
                </p>
              )}
              {waiting && (
                <p className="note" role="status">
                  {t("pay.waiting")}
                </p>
              )}
              {authProblem && (
                <p className="problem" role="alert">
                  {t("pay.authProblem", { reason: authProblem })}
                </p>
              )}
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
                    isDisabled={busy}
                    onPress={() => send(attempt)}
                  >
                    {pay.isPending ? t("pay.paying") : t("pay.retrySame")}
                  </Button>
                ) : (
                  <Button type="submit" className="button primary" isDisabled={busy}>
                    {busy ? t("pay.paying") : submitLabel}
                  </Button>
                )}
                <Button className="button" onPress={onClose} isDisabled={busy}>
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
