// The session without a browser: restore from the cookie, one refresh for many refused
// calls, a retry with the new token, and the end of a revoked or unrefreshable session.
import { describe, expect, it, vi } from "vitest";
import { Code, ConnectError, createClient, createRouterTransport } from "@connectrpc/connect";
import { create } from "@bufbuild/protobuf";
import { ErrorInfoSchema } from "@hms/sdk/google/rpc/error_details_pb";
import { UserService } from "@hms/sdk/hms/user/v1/user_pb";
import { WebSessionSchema, type WebSession } from "@hms/sdk/hms/web/v1/session_pb";
import { SessionManager, type Locks, type SessionBackend } from "./session";
import { authInterceptor } from "./transport";
import { cookieValue } from "./cookies";

function session(token: string): WebSession {
  return create(WebSessionSchema, { accessToken: token, user: { id: "u1", username: "an" } });
}

/** A backend whose refresh hands out t1, t2, … and counts its calls. */
function fakeBackend(overrides: Partial<SessionBackend> = {}) {
  let issued = 0;
  const backend = {
    refreshes: 0,
    signIn: vi.fn(() => Promise.resolve(session("signed-in"))),
    refresh: vi.fn(() => {
      backend.refreshes++;
      issued++;
      return Promise.resolve(session(`t${String(issued)}`));
    }),
    signOut: vi.fn(() => Promise.resolve()),
    ...overrides,
  };
  return backend;
}

const locks: Locks = { request: (_name, callback) => callback() };

function revoked(): ConnectError {
  return new ConnectError("the session of this token has ended", Code.Unauthenticated, undefined, [
    { desc: ErrorInfoSchema, value: { reason: "TOKEN_REVOKED", domain: "hms" } },
  ]);
}

/** A UserService whose GetMe accepts only `valid()` as the bearer token. */
function transportFor(
  manager: SessionManager,
  valid: () => string,
  refusal = () => new ConnectError("the token is invalid or expired", Code.Unauthenticated),
) {
  const seen: string[] = [];
  const transport = createRouterTransport(
    ({ service }) => {
      service(UserService, {
        getMe(_req, ctx) {
          const auth = ctx.requestHeader.get("authorization") ?? "";
          seen.push(auth);
          if (auth !== `Bearer ${valid()}`) throw refusal();
          return { user: { id: "u1" } };
        },
      });
    },
    { transport: { interceptors: [authInterceptor(manager)] } },
  );
  return { client: createClient(UserService, transport), seen };
}

describe("SessionManager", () => {
  it("restores a session from the refresh cookie", async () => {
    const manager = new SessionManager(fakeBackend(), locks);
    expect(manager.getState().status).toBe("restoring");
    await manager.restore();
    expect(manager.getState().status).toBe("signed-in");
    expect(manager.accessToken()).toBe("t1");
  });

  it("is signed out when there is no session to restore", async () => {
    const backend = fakeBackend({
      refresh: vi.fn(() => Promise.reject(new ConnectError("no session", Code.Unauthenticated))),
    });
    const manager = new SessionManager(backend, locks);
    await manager.restore();
    expect(manager.getState()).toEqual({ status: "signed-out", ended: undefined });
  });

  it("tries a busy gateway again before showing the sign-in page", async () => {
    let calls = 0;
    const backend = fakeBackend({
      refresh: vi.fn(() => {
        calls++;
        return calls === 1
          ? Promise.reject(new ConnectError("too many requests", Code.ResourceExhausted))
          : Promise.resolve(session("t9"));
      }),
    });
    vi.useFakeTimers();
    try {
      const manager = new SessionManager(backend, locks);
      const restored = manager.restore();
      await vi.advanceTimersByTimeAsync(1_000);
      await restored;
      expect(manager.accessToken()).toBe("t9");
    } finally {
      vi.useRealTimers();
    }
  });

  it("refreshes once for concurrent callers, under the cross-tab lock", async () => {
    const names: string[] = [];
    const counting: Locks = {
      request: (name, callback) => {
        names.push(name);
        return callback();
      },
    };
    const backend = fakeBackend();
    const manager = new SessionManager(backend, counting);
    await Promise.all([manager.refresh(), manager.refresh(), manager.refresh()]);
    expect(backend.refreshes).toBe(1);
    expect(names).toEqual(["hms-refresh"]);
  });

  it("signs out through the backend, under the refresh lock, and forgets the token", async () => {
    const names: string[] = [];
    const counting: Locks = {
      request: (name, callback) => {
        names.push(name);
        return callback();
      },
    };
    const backend = fakeBackend();
    const manager = new SessionManager(backend, counting);
    await manager.signIn("an", "pw");
    await manager.signOut();
    expect(backend.signOut).toHaveBeenCalledOnce();
    expect(manager.accessToken()).toBeUndefined();
    expect(manager.getState()).toEqual({ status: "signed-out", ended: "signed-out" });
    expect(names).toEqual(["hms-refresh"]);
  });
});

describe("authInterceptor", () => {
  it("sends the token and, when it has expired, refreshes once and retries", async () => {
    const backend = fakeBackend();
    const manager = new SessionManager(backend, locks);
    await manager.restore(); // t1
    const { client, seen } = transportFor(manager, () => "t2");
    const { user } = await client.getMe({});
    expect(user?.id).toBe("u1");
    expect(seen).toEqual(["Bearer t1", "Bearer t2"]);
    expect(backend.refreshes).toBe(2);
  });

  it("shares one refresh between calls refused together", async () => {
    const backend = fakeBackend();
    const manager = new SessionManager(backend, locks);
    await manager.restore(); // t1
    const { client } = transportFor(manager, () => "t2");
    await Promise.all([client.getMe({}), client.getMe({}), client.getMe({})]);
    expect(backend.refreshes).toBe(2);
  });

  it("ends a revoked session without refreshing", async () => {
    const backend = fakeBackend();
    const manager = new SessionManager(backend, locks);
    await manager.restore();
    const { client } = transportFor(manager, () => "never", revoked);
    await expect(client.getMe({})).rejects.toMatchObject({ code: Code.Unauthenticated });
    expect(backend.refreshes).toBe(1);
    expect(manager.getState()).toEqual({ status: "signed-out", ended: "revoked" });
  });

  it("ends the session when the refresh fails", async () => {
    let first = true;
    const backend = fakeBackend({
      refresh: vi.fn(() => {
        if (first) {
          first = false;
          return Promise.resolve(session("t1"));
        }
        return Promise.reject(new ConnectError("refresh token reused", Code.Unauthenticated));
      }),
    });
    const manager = new SessionManager(backend, locks);
    await manager.restore();
    const { client } = transportFor(manager, () => "t2");
    await expect(client.getMe({})).rejects.toMatchObject({ code: Code.Unauthenticated });
    expect(manager.getState()).toEqual({ status: "signed-out", ended: "expired" });
  });

  it("keeps the session when the refresh cannot reach the gateway", async () => {
    let first = true;
    const backend = fakeBackend({
      refresh: vi.fn(() => {
        if (first) {
          first = false;
          return Promise.resolve(session("t1"));
        }
        return Promise.reject(new ConnectError("offline", Code.Unavailable));
      }),
    });
    const manager = new SessionManager(backend, locks);
    await manager.restore();
    const { client } = transportFor(manager, () => "t2");
    await expect(client.getMe({})).rejects.toMatchObject({ code: Code.Unauthenticated });
    expect(manager.getState().status).toBe("signed-in");
  });
});

describe("cookieValue", () => {
  it("finds the CSRF cookie among others", () => {
    expect(cookieValue("a=1; hms_csrf=abc%3D; b=2", "hms_csrf")).toBe("abc=");
    expect(cookieValue("hms_csrfx=1", "hms_csrf")).toBe("");
    expect(cookieValue("", "hms_csrf")).toBe("");
  });
});
