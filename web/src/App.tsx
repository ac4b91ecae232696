// The app's frame: providers, the public pages (sign in, register, password reset), and the
// signed-in shell with the screens of the person's role.
import { lazy, Suspense, useMemo, type ReactNode } from "react";
import { BrowserRouter, Navigate, useLocation, useRoutes, type RouteObject } from "react-router";
import { QueryClient, QueryClientProvider } from "@tanstack/react-query";
import { TransportProvider } from "@connectrpc/connect-query";
import { Code, ConnectError } from "@connectrpc/connect";
import { I18nProvider, browserLang, useI18n } from "./i18n";
import { SessionProvider, useSession } from "./api/SessionContext";
import type { Backend } from "./api/transport";
import { roleModule } from "./roles";
import { Shell } from "./components/Shell";
import { SignIn } from "./auth/SignIn";
import { Loading } from "./components/Loading";
import { ErrorBoundary } from "./components/ErrorBoundary";

const Register = lazy(() => import("./auth/Register"));
const ForgotPassword = lazy(() => import("./auth/ForgotPassword"));
const ResetPassword = lazy(() => import("./auth/ResetPassword"));
const Notifications = lazy(() => import("./notifications/Inbox"));
const Profile = lazy(() => import("./account/Profile"));

function queryClient(): QueryClient {
  return new QueryClient({
    defaultOptions: {
      queries: {
        staleTime: 15_000,
        // A refusal will not change on its own; only a failure to reach the service may.
        retry: (count, error) => count < 2 && ConnectError.from(error).code === Code.Unavailable,
      },
    },
  });
}

export function App({ backend }: { backend: Backend }) {
  const client = useMemo(() => queryClient(), []);
  return (
    <I18nProvider initial={browserLang(navigator.languages)}>
      <SessionProvider manager={backend.session}>
        <TransportProvider transport={backend.transport}>
          <QueryClientProvider client={client}>
            <BrowserRouter>
              <Routes />
            </BrowserRouter>
          </QueryClientProvider>
        </TransportProvider>
      </SessionProvider>
    </I18nProvider>
  );
}

function NotFound() {
  const { t } = useI18n();
  return <p>{t("app.notFound")}</p>;
}

function Public({ children }: { children: ReactNode }) {
  return (
    <main id="main" className="public">
      <ErrorBoundary>
        <Suspense fallback={<Loading />}>{children}</Suspense>
      </ErrorBoundary>
    </main>
  );
}

/** Signed-in pages: the sign-in page first when there is no session, then back here. */
function RequireSession({ children }: { children: ReactNode }) {
  const state = useSession();
  const location = useLocation();
  if (state.status === "restoring") return <Loading />;
  if (state.status === "signed-out") {
    const next = `${location.pathname}${location.search}`;
    const params = new URLSearchParams({ next });
    if (state.ended) params.set("ended", state.ended);
    return <Navigate to={`/sign-in?${params.toString()}`} replace />;
  }
  return children;
}

function Routes() {
  const state = useSession();
  const role = state.status === "signed-in" ? state.session.user?.role : undefined;
  const module = role === undefined ? undefined : roleModule(role);
  const routes: RouteObject[] = [
    {
      path: "/sign-in",
      element: (
        <Public>
          <SignIn />
        </Public>
      ),
    },
    {
      path: "/register",
      element: (
        <Public>
          <Register />
        </Public>
      ),
    },
    {
      path: "/forgot-password",
      element: (
        <Public>
          <ForgotPassword />
        </Public>
      ),
    },
    {
      path: "/reset-password",
      element: (
        <Public>
          <ResetPassword />
        </Public>
      ),
    },
    {
      path: "/",
      element: (
        <RequireSession>
          <Shell module={module} />
        </RequireSession>
      ),
      children: [
        { index: true, element: <Navigate to={module?.home ?? "/notifications"} replace /> },
        { path: "notifications", element: <Notifications /> },
        { path: "profile", element: <Profile /> },
        ...(module?.routes ?? []),
        { path: "*", element: <NotFound /> },
      ],
    },
  ];
  return useRoutes(routes);
}
