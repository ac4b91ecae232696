// The card field of a Stripe payment: Stripe Elements mounted in the pay dialog. The card
// number is typed into Stripe's field and stays with Stripe; the dialog gets the mounted
// element to turn into a PaymentMethod when the patient pays.
import { useEffect, useId, useRef, useState } from "react";
import type { StripeOptions } from "@hms/sdk/hms/billing/v1/billing_pb";
import { useI18n } from "../../i18n";
import { stripeClient, type StripeCardElement, type StripeClient } from "./stripe";

export interface MountedCard {
  client: StripeClient;
  card: StripeCardElement;
}

export function StripeCardField({
  options,
  onReady,
  error,
}: {
  options: StripeOptions;
  /** The mounted card, or undefined while it is not (yet) there; a stable function. */
  onReady: (card: MountedCard | undefined) => void;
  error?: string;
}) {
  const { t } = useI18n();
  const label = useId();
  const target = useRef<HTMLDivElement>(null);
  const [failed, setFailed] = useState(false);
  const [typing, setTyping] = useState<string | undefined>();

  useEffect(() => {
    let live = true;
    let card: StripeCardElement | undefined;
    stripeClient(options.jsUrl, options.publishableKey).then(
      (client) => {
        if (!live || !target.current) return;
        card = client.elements().create("card", { hidePostalCode: true });
        card.on("change", (event) => setTyping(event?.error?.message));
        card.mount(target.current);
        onReady({ client, card });
      },
      () => live && setFailed(true),
    );
    return () => {
      live = false;
      card?.destroy();
      onReady(undefined);
    };
  }, [options.jsUrl, options.publishableKey, onReady]);

  const shown = error ?? typing;
  return (
    <div className="field">
      <span className="label" id={label}>
        {t("pay.card.label")}
      </span>
      {failed ? (
        <p className="problem" role="alert">
          {t("pay.stripeUnavailable")}
        </p>
      ) : (
        <div ref={target} className="stripe-card" role="group" aria-labelledby={label} />
      )}
      {shown && (
        <p className="field-error" role="alert">
          {shown}
        </p>
      )}
    </div>
  );
}
