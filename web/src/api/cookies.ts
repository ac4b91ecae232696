// Reads the gateway's readable CSRF cookie, which Refresh and SignOut must repeat in the
// `x-csrf-token` header (double submit; the refresh cookie itself is HttpOnly).

export const CSRF_COOKIE = "hms_csrf";
export const CSRF_HEADER = "x-csrf-token";

/** The value of the cookie `name` in a `document.cookie` string, or "". */
export function cookieValue(cookies: string, name: string): string {
  for (const part of cookies.split(";")) {
    const eq = part.indexOf("=");
    if (eq < 0) continue;
    if (part.slice(0, eq).trim() === name) {
      const raw = part.slice(eq + 1).trim();
      try {
        return decodeURIComponent(raw);
      } catch {
        return raw;
      }
    }
  }
  return "";
}

export function csrfToken(): string {
  return typeof document === "undefined" ? "" : cookieValue(document.cookie, CSRF_COOKIE);
}
