// Live in-app notifications: one server stream per signed-in page (NotificationService.
// Subscribe over grpc-web). Each arrival refreshes the badge, the inbox and the
// appointments it may concern, and is announced to screen readers.
import { useEffect, useState } from "react";
import { Code, ConnectError, createClient } from "@connectrpc/connect";
import { createConnectQueryKey, useQuery, useTransport } from "@connectrpc/connect-query";
import { useQueryClient } from "@tanstack/react-query";
import { NotificationService, type Delivery } from "@hms/sdk/hms/notification/v1/notification_pb";
import { AppointmentService } from "@hms/sdk/hms/appointment/v1/appointment_pb";
import { useSessionManager } from "../api/SessionContext";
import { useI18n } from "../i18n";

export function useUnreadCount(): number {
  const unread = useQuery(NotificationService.method.getUnreadCount, {});
  return Number(unread.data?.unread ?? 0n);
}

const MAX_BACKOFF_MS = 30_000;

export function LiveNotifications() {
  const { t } = useI18n();
  const transport = useTransport();
  const queries = useQueryClient();
  const session = useSessionManager();
  const [latest, setLatest] = useState<Delivery | undefined>();
  const [live, setLive] = useState(false);

  useEffect(() => {
    const client = createClient(NotificationService, transport);
    const abort = new AbortController();
    const refresh = () => {
      void queries.invalidateQueries({
        queryKey: createConnectQueryKey({ schema: NotificationService, cardinality: undefined }),
      });
      void queries.invalidateQueries({
        queryKey: createConnectQueryKey({ schema: AppointmentService, cardinality: undefined }),
      });
    };
    const run = async () => {
      let backoff = 1_000;
      while (!abort.signal.aborted) {
        try {
          for await (const message of client.subscribe({}, { signal: abort.signal })) {
            setLive(true);
            backoff = 1_000;
            if (message.notification) {
              setLatest(message.notification);
              refresh();
            }
          }
        } catch (error) {
          if (abort.signal.aborted) return;
          const e = ConnectError.from(error);
          // An expired token: the interceptor did not retry a stream, so refresh here.
          if (e.code === Code.Unauthenticated) {
            const token = session.accessToken();
            if (!token || !(await session.recover(e, token))) return;
          }
        }
        setLive(false);
        // Whatever arrived while disconnected is in the inbox: fetch it again.
        refresh();
        await new Promise((resolve) => setTimeout(resolve, backoff));
        backoff = Math.min(backoff * 2, MAX_BACKOFF_MS);
      }
    };
    void run();
    return () => abort.abort();
  }, [transport, queries, session]);

  return (
    <div className="live" aria-live="polite" role="status">
      {latest && (
        <p className="toast">
          {t("notif.new", { subject: latest.subject })}
          <button type="button" className="link" onClick={() => setLatest(undefined)}>
            {t("app.close")}
          </button>
        </p>
      )}
      <span className="sr-only">{live ? t("notif.live") : t("notif.offline")}</span>
    </div>
  );
}
