// The one way to the backend: grpc-web to the gateway at this page's origin, through the
// generated SDK. Every call but the session's own carries the in-memory access token; an
// expired one is refreshed once and the call retried, a revoked one ends the session.
import {
  Code,
  ConnectError,
  createClient,
  type Interceptor,
  type Transport,
} from "@connectrpc/connect";
import { createGrpcWebTransport } from "@connectrpc/connect-web";
import { WebSessionService } from "@hms/sdk/hms/web/v1/session_pb";
import { CSRF_HEADER, csrfToken } from "./cookies";
import { SessionManager, type SessionBackend } from "./session";

const SESSION_SERVICE = WebSessionService.typeName;

export function authInterceptor(session: SessionManager): Interceptor {
  return (next) => async (req) => {
    if (req.service.typeName === SESSION_SERVICE) return next(req);
    const token = session.accessToken();
    if (token) req.header.set("authorization", `Bearer ${token}`);
    try {
      return await next(req);
    } catch (error) {
      const e = ConnectError.from(error);
      if (e.code !== Code.Unauthenticated || !token) throw error;
      const retry = await session.recover(e, token);
      // A stream's request body may already be consumed: the caller reconnects instead.
      if (!retry || req.stream) throw error;
      const fresh = session.accessToken();
      if (!fresh) throw error;
      req.header.set("authorization", `Bearer ${fresh}`);
      return next(req);
    }
  };
}

/** WebSessionService over `transport`, with the CSRF header where the gateway wants it. */
export function sessionBackend(transport: Transport): SessionBackend {
  const client = createClient(WebSessionService, transport);
  const csrf = () => ({ headers: { [CSRF_HEADER]: csrfToken() } });
  return {
    async signIn(username, password) {
      const { session } = await client.signIn({ username, password });
      if (!session) throw new ConnectError("no session in the answer", Code.Internal);
      return session;
    },
    async refresh() {
      const { session } = await client.refresh({}, csrf());
      if (!session) throw new ConnectError("no session in the answer", Code.Unauthenticated);
      return session;
    },
    async signOut() {
      await client.signOut({}, csrf());
    },
  };
}

export interface Backend {
  session: SessionManager;
  transport: Transport;
}

export function createBackend(baseUrl: string): Backend {
  // The session's own calls go without the auth interceptor (it would recurse).
  const plain = createGrpcWebTransport({ baseUrl });
  const session = new SessionManager(sessionBackend(plain));
  const transport = createGrpcWebTransport({ baseUrl, interceptors: [authInterceptor(session)] });
  return { session, transport };
}
