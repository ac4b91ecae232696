// Web Push in this browser: the service worker (/sw.js) registered, the browser's push
// subscription made with the server's VAPID key once the person allows notifications, and
// what the notification service is told of it (endpoint and keys, a label for the device).
// The subscription id the service gave is kept in this browser, to remove it again.

const SUBSCRIPTION_ID = "hms.push.subscription";

export type PushAvailability = "unsupported" | "blocked" | "ask" | "allowed";

/** Whether this browser can take pushes at all, and what the person said so far. */
export function pushAvailability(): PushAvailability {
  if (
    typeof navigator === "undefined" ||
    !("serviceWorker" in navigator) ||
    typeof window === "undefined" ||
    !("PushManager" in window) ||
    !("Notification" in window)
  ) {
    return "unsupported";
  }
  if (Notification.permission === "denied") return "blocked";
  return Notification.permission === "granted" ? "allowed" : "ask";
}

/** A base64url text (the VAPID public key) as bytes. */
export function base64UrlBytes(text: string): Uint8Array<ArrayBuffer> {
  const base64 = text.replace(/-/g, "+").replace(/_/g, "/");
  const padded = base64 + "=".repeat((4 - (base64.length % 4)) % 4);
  const binary = atob(padded);
  const bytes = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
  return bytes;
}

/** "Firefox on Android", "Chrome on Windows"…: how the person tells their devices apart. */
export function deviceLabel(userAgent: string): string {
  const browser = /Edg\//.test(userAgent)
    ? "Edge"
    : /Firefox\//.test(userAgent)
      ? "Firefox"
      : /Chrom(e|ium)\//.test(userAgent)
        ? "Chrome"
        : /Safari\//.test(userAgent)
          ? "Safari"
          : "Browser";
  const system = /Android/.test(userAgent)
    ? "Android"
    : /iPhone|iPad/.test(userAgent)
      ? "iOS"
      : /Windows/.test(userAgent)
        ? "Windows"
        : /Mac OS X/.test(userAgent)
          ? "macOS"
          : /Linux/.test(userAgent)
            ? "Linux"
            : "";
  return system ? `${browser} on ${system}` : browser;
}

export interface BrowserSubscription {
  endpoint: string;
  p256dh: string;
  auth: string;
}

function asBrowserSubscription(subscription: PushSubscription): BrowserSubscription {
  const json = subscription.toJSON();
  return {
    endpoint: json.endpoint ?? subscription.endpoint,
    p256dh: json.keys?.p256dh ?? "",
    auth: json.keys?.auth ?? "",
  };
}

/** This browser's subscription, if it has one (no prompt). */
export async function currentSubscription(): Promise<BrowserSubscription | undefined> {
  if (pushAvailability() === "unsupported") return undefined;
  const registration = await navigator.serviceWorker.getRegistration("/");
  const subscription = await registration?.pushManager.getSubscription();
  return subscription ? asBrowserSubscription(subscription) : undefined;
}

export class PushNotAllowed extends Error {}

/**
 * Asks the person (the browser's own prompt), registers the service worker and subscribes
 * with the server's key. A subscription made with another key (the server's key changed)
 * is replaced.
 */
export async function subscribe(vapidPublicKey: string): Promise<BrowserSubscription> {
  if ((await Notification.requestPermission()) !== "granted") throw new PushNotAllowed();
  await navigator.serviceWorker.register("/sw.js", { scope: "/" });
  const registration = await navigator.serviceWorker.ready;
  const applicationServerKey = base64UrlBytes(vapidPublicKey);
  const options = { userVisibleOnly: true, applicationServerKey };
  try {
    return asBrowserSubscription(await registration.pushManager.subscribe(options));
  } catch (error) {
    const old = await registration.pushManager.getSubscription();
    if (!old) throw error;
    await old.unsubscribe();
    return asBrowserSubscription(await registration.pushManager.subscribe(options));
  }
}

/** Ends this browser's subscription; the push service then refuses pushes to it. */
export async function unsubscribe(): Promise<void> {
  const registration = await navigator.serviceWorker.getRegistration("/");
  const subscription = await registration?.pushManager.getSubscription();
  await subscription?.unsubscribe();
}

export function savedSubscriptionId(): string | undefined {
  return localStorage.getItem(SUBSCRIPTION_ID) ?? undefined;
}

export function saveSubscriptionId(id: string | undefined): void {
  if (id) localStorage.setItem(SUBSCRIPTION_ID, id);
  else localStorage.removeItem(SUBSCRIPTION_ID);
}

/**
 * Stops this person's notifications on this browser when they sign out: a browser may be
 * shared (a reception desk, a family tablet), and the next person must not get them.
 * `forget` removes the subscription at the notification service.
 */
export async function stopPushHere(forget: (subscriptionId: string) => Promise<unknown>) {
  const id = savedSubscriptionId();
  if (!id) return;
  try {
    await unsubscribe();
    await forget(id);
  } catch {
    // Ended at the push service: its next push is refused and the service drops it.
  } finally {
    saveSubscriptionId(undefined);
  }
}
