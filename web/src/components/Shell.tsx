// The signed-in frame: header with the role's navigation, the notification badge, the
// language switcher and sign-out; the page below it.
import { Suspense, useEffect, useRef } from "react";
import { NavLink, Outlet, useLocation, useNavigate } from "react-router";
import { Button } from "react-aria-components";
import { useMutation, useQuery } from "@connectrpc/connect-query";
import { useQueryClient } from "@tanstack/react-query";
import { NotificationService } from "@hms/sdk/hms/notification/v1/notification_pb";
import { Role } from "@hms/sdk/hms/common/v1/access_pb";
import { isLang, useI18n, type MessageKey } from "../i18n";
import { useSession, useSessionManager } from "../api/SessionContext";
import type { RoleModule } from "../roles";
import { LiveNotifications, useUnreadCount } from "../notifications/live";
import { LanguageSwitcher } from "./LanguageSwitcher";
import { Loading } from "./Loading";
import { ErrorBoundary } from "./ErrorBoundary";
import { useDiscoverClinicZone } from "../format/zone";
import { stopPushHere } from "../account/push";

function roleLabel(role: Role | undefined): MessageKey {
  switch (role) {
    case Role.PATIENT:
      return "role.PATIENT";
    case Role.DOCTOR:
      return "role.DOCTOR";
    case Role.NURSE:
      return "role.NURSE";
    case Role.ADMIN:
      return "role.ADMIN";
    case Role.INSURANCE_PROVIDER:
      return "role.INSURANCE_PROVIDER";
    case Role.PHARMACIST:
      return "role.PHARMACIST";
    case Role.LAB_TECHNICIAN:
      return "role.LAB_TECHNICIAN";
    default:
      return "role.OTHER";
  }
}

/** Once per session: the UI speaks the language of the person's notification preferences. */
function useLanguageFromPreferences() {
  const { setLang } = useI18n();
  const applied = useRef(false);
  const prefs = useQuery(NotificationService.method.getPreferences, {});
  const language = prefs.data?.preferences?.language ?? "";
  useEffect(() => {
    if (applied.current || !prefs.isSuccess) return;
    applied.current = true;
    if (isLang(language)) setLang(language);
  }, [prefs.isSuccess, language, setLang]);
}

export function Shell({ module }: { module: RoleModule | undefined }) {
  const { t } = useI18n();
  const state = useSession();
  const manager = useSessionManager();
  const navigate = useNavigate();
  const location = useLocation();
  const queries = useQueryClient();
  const unread = useUnreadCount();
  useLanguageFromPreferences();
  useDiscoverClinicZone();
  const user = state.status === "signed-in" ? state.session.user : undefined;
  // After a navigation inside the app, keyboard and screen-reader users start at the new
  // page's content rather than wherever focus was left.
  const main = useRef<HTMLElement>(null);
  const first = useRef(true);
  useEffect(() => {
    if (first.current) {
      first.current = false;
      return;
    }
    main.current?.focus();
  }, [location.pathname]);

  const forgetDevice = useMutation(NotificationService.method.deletePushSubscription);
  const signOut = async () => {
    try {
      await stopPushHere((subscriptionId) => forgetDevice.mutateAsync({ subscriptionId }));
      await manager.signOut();
    } finally {
      queries.clear();
      void navigate("/sign-in?ended=signed-out", { replace: true });
    }
  };

  return (
    <div className="shell">
      <a className="skip" href="#main">
        {t("app.skip")}
      </a>
      <header className="top">
        <div className="brand">
          <span className="logo" aria-hidden="true">
            ✚
          </span>
          <span>{t("app.title")}</span>
        </div>
        <nav aria-label={t("app.nav")} className="nav">
          {module?.nav.map((item) => (
            <NavLink key={item.to} to={item.to}>
              {t(item.label)}
            </NavLink>
          ))}
          <NavLink to="/notifications">
            {t("nav.notifications")}
            {unread > 0 && (
              <span className="badge" aria-label={t("nav.unread", { count: unread })}>
                {unread}
              </span>
            )}
          </NavLink>
          <NavLink to="/profile">{t("nav.profile")}</NavLink>
        </nav>
        <div className="who">
          <span className="user">
            {user ? `${user.firstName} ${user.lastName}`.trim() || user.username : ""}
            <small>{t(roleLabel(user?.role))}</small>
          </span>
          <LanguageSwitcher />
          <Button className="button quiet" onPress={() => void signOut()}>
            {t("app.signOut")}
          </Button>
        </div>
      </header>
      <LiveNotifications />
      <main id="main" className="page" ref={main} tabIndex={-1}>
        {!module && <p className="note">{t("role.noScreens")}</p>}
        <ErrorBoundary key={location.pathname}>
          <Suspense fallback={<Loading />}>
            <Outlet />
          </Suspense>
        </ErrorBoundary>
      </main>
    </div>
  );
}
