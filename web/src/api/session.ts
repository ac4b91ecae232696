// The browser session: the access token lives in this module's memory only (never in
// localStorage or sessionStorage); the refresh token stays in the gateway's HttpOnly
// cookie. Refreshes are serialised across tabs, because a refresh token works once and
// presenting a used one revokes the whole session.
import { Code, ConnectError } from "@connectrpc/connect";
import { timestampMs } from "@bufbuild/protobuf/wkt";
import type { WebSession } from "@hms/sdk/hms/web/v1/session_pb";
import { errorReason, toProblem } from "./errors";

/** The three calls of WebSessionService, as the session needs them. */
export interface SessionBackend {
  signIn(username: string, password: string): Promise<WebSession>;
  /** Rotates the refresh cookie; rejects with UNAUTHENTICATED when there is no session. */
  refresh(): Promise<WebSession>;
  signOut(): Promise<void>;
}

/** `navigator.locks`, or a stand-in where the Web Locks API is missing. */
export interface Locks {
  request<T>(name: string, callback: () => Promise<T>): Promise<T>;
}

export type SessionState =
  | { status: "restoring" }
  | { status: "signed-in"; session: WebSession }
  /** `ended` says why a session that existed is gone: the sign-in page explains it. */
  | { status: "signed-out"; ended?: "revoked" | "expired" | "signed-out" };

export const REFRESH_LOCK = "hms-refresh";
/** The reason the services give for a token whose session was revoked. */
export const TOKEN_REVOKED = "TOKEN_REVOKED";
/** Refresh this long before the access token expires, so live streams never see it lapse. */
const EARLY_REFRESH_MS = 60_000;
const RESTORE_RETRY_MAX_MS = 5_000;

/** Runs callbacks one at a time in this tab, for browsers without `navigator.locks`. */
function localLocks(): Locks {
  let tail: Promise<unknown> = Promise.resolve();
  return {
    request<T>(_name: string, callback: () => Promise<T>): Promise<T> {
      const run = tail.then(callback, callback);
      tail = run.catch(() => undefined);
      return run;
    },
  };
}

export function browserLocks(): Locks {
  const locks = typeof navigator !== "undefined" ? navigator.locks : undefined;
  if (!locks) return localLocks();
  return { request: (name, callback) => locks.request(name, callback) };
}

export class SessionManager {
  private state: SessionState = { status: "restoring" };
  private listeners = new Set<() => void>();
  private inFlight: Promise<boolean> | undefined;
  /** Set when the last refresh failed for a reason that may pass (busy, unreachable). */
  private lastFailure: { retryAfterMs: number } | undefined;
  private timer: ReturnType<typeof setTimeout> | undefined;

  constructor(
    private readonly backend: SessionBackend,
    private readonly locks: Locks = browserLocks(),
    private readonly now: () => number = Date.now,
  ) {}

  subscribe = (listener: () => void): (() => void) => {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  };

  getState = (): SessionState => this.state;

  accessToken(): string | undefined {
    return this.state.status === "signed-in" ? this.state.session.accessToken : undefined;
  }

  /**
   * At start: restores the session from the refresh cookie, if there is one. A gateway
   * that is busy or unreachable gets a second try after the delay it asks for (at most
   * RESTORE_RETRY_MAX_MS) before the sign-in page is shown.
   */
  async restore(): Promise<void> {
    let ok = await this.refresh();
    const busy = this.lastFailure;
    if (!ok && busy && this.state.status === "restoring") {
      await new Promise((resolve) => setTimeout(resolve, busy.retryAfterMs));
      ok = await this.refresh();
    }
    if (!ok && this.state.status === "restoring") this.set({ status: "signed-out" });
  }

  async signIn(username: string, password: string): Promise<void> {
    const session = await this.backend.signIn(username, password);
    this.signedIn(session);
  }

  /** Ends the session; under the refresh lock, since the gateway rotates the cookie's
   * refresh token to end it and a token presented twice revokes the session. */
  async signOut(): Promise<void> {
    try {
      await this.locks.request(REFRESH_LOCK, () => this.backend.signOut());
    } finally {
      this.end("signed-out");
    }
  }

  /** Forgets the session (revoked elsewhere, or a refresh failed). */
  end(why: "revoked" | "expired" | "signed-out"): void {
    if (this.state.status === "signed-out") return;
    this.set({ status: "signed-out", ended: this.state.status === "signed-in" ? why : undefined });
  }

  /**
   * A fresh access token from the refresh cookie. Concurrent calls in this tab share one
   * refresh; other tabs wait on the lock. False (and signed out) when there is no session.
   */
  refresh(): Promise<boolean> {
    this.inFlight ??= this.locks
      .request(REFRESH_LOCK, () => this.backend.refresh())
      .then(
        (session) => {
          this.signedIn(session);
          return true;
        },
        (error: unknown) => {
          const e = ConnectError.from(error);
          this.lastFailure = undefined;
          // A network failure keeps the session: the next call may well get through.
          if (e.code === Code.Unauthenticated || e.code === Code.PermissionDenied) {
            this.end("expired");
          } else if (e.code === Code.Unavailable || e.code === Code.ResourceExhausted) {
            const seconds = toProblem(e).retryAfterSeconds ?? 1;
            this.lastFailure = { retryAfterMs: Math.min(seconds * 1000, RESTORE_RETRY_MAX_MS) };
          }
          return false;
        },
      )
      .finally(() => {
        this.inFlight = undefined;
      });
    return this.inFlight;
  }

  /**
   * What to do after a call with `usedToken` was refused as UNAUTHENTICATED: true when a
   * retry with the current token makes sense (refreshed now, or already by another call).
   */
  async recover(error: ConnectError, usedToken: string): Promise<boolean> {
    if (errorReason(error) === TOKEN_REVOKED) {
      this.end("revoked");
      return false;
    }
    const current = this.accessToken();
    if (current !== undefined && current !== usedToken) return true;
    if (current === undefined) return false;
    return this.refresh();
  }

  private signedIn(session: WebSession): void {
    this.set({ status: "signed-in", session });
    this.schedule(session);
  }

  private schedule(session: WebSession): void {
    clearTimeout(this.timer);
    if (!session.accessTokenExpireTime) return;
    const due = timestampMs(session.accessTokenExpireTime) - EARLY_REFRESH_MS - this.now();
    this.timer = setTimeout(() => void this.refresh(), Math.max(due, 5_000));
  }

  private set(state: SessionState): void {
    if (state.status !== "signed-in") clearTimeout(this.timer);
    this.state = state;
    for (const listener of this.listeners) listener();
  }
}
