// Stripe.js, loaded from the address billing names (GetPaymentOptions) the first time a
// patient pays through Stripe, never bundled: the card is typed into Stripe's own field
// (Elements) and only a PaymentMethod id reaches HMS. The types below are the part of
// Stripe.js's API the pay dialog uses.

export interface StripeError {
  message?: string;
  code?: string;
}

export interface StripeCardElement {
  mount(target: HTMLElement): void;
  destroy(): void;
  on(event: "change", handler: (event?: { error?: StripeError; complete?: boolean }) => void): void;
}

export interface StripeClient {
  elements(): { create(type: "card", options?: Record<string, unknown>): StripeCardElement };
  createPaymentMethod(data: {
    type: "card";
    card: StripeCardElement;
  }): Promise<{ paymentMethod?: { id: string }; error?: StripeError } | undefined>;
  confirmCardPayment(
    clientSecret: string,
  ): Promise<{ paymentIntent?: { status: string }; error?: StripeError }>;
}

type StripeFactory = (publishableKey: string) => StripeClient;

declare global {
  interface Window {
    Stripe?: StripeFactory;
  }
}

const loading = new Map<string, Promise<StripeFactory>>();

/** Stripe.js from `url`, once per page; rejects when it cannot load (offline, blocked). */
export function loadStripe(url: string): Promise<StripeFactory> {
  const started = loading.get(url);
  if (started) return started;
  const load = new Promise<StripeFactory>((resolve, reject) => {
    if (window.Stripe) {
      resolve(window.Stripe);
      return;
    }
    const script = document.createElement("script");
    script.src = url;
    script.async = true;
    script.onload = () =>
      window.Stripe ? resolve(window.Stripe) : reject(new Error("Stripe.js did not start"));
    script.onerror = () => {
      loading.delete(url);
      script.remove();
      reject(new Error("Stripe.js could not be loaded"));
    };
    document.head.appendChild(script);
  });
  loading.set(url, load);
  return load;
}

/** The client of one publishable key, made once per page. */
const clients = new Map<string, StripeClient>();

export async function stripeClient(url: string, publishableKey: string): Promise<StripeClient> {
  const made = clients.get(publishableKey);
  if (made) return made;
  const client = (await loadStripe(url))(publishableKey);
  clients.set(publishableKey, client);
  return client;
}
