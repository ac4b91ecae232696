// The in-app inbox: newest first, unread ones marked; the live stream keeps it current.
import { Button } from "react-aria-components";
import { createConnectQueryKey, useMutation, useQuery } from "@connectrpc/connect-query";
import { useQueryClient } from "@tanstack/react-query";
import { NotificationService } from "@hms/sdk/hms/notification/v1/notification_pb";
import { useI18n } from "../i18n";
import { formatDateTime } from "../format";
import { useClinicZone } from "../format/zone";
import { Loading } from "../components/Loading";
import { ProblemMessage } from "../components/Problem";

export default function Inbox() {
  const { t, lang } = useI18n();
  const zone = useClinicZone();
  const queries = useQueryClient();
  const list = useQuery(NotificationService.method.listNotifications, { page: { pageSize: 100 } });
  const markRead = useMutation(NotificationService.method.markRead, {
    onSuccess: () =>
      queries.invalidateQueries({
        queryKey: createConnectQueryKey({ schema: NotificationService, cardinality: undefined }),
      }),
  });
  const items = list.data?.notifications ?? [];
  const anyUnread = items.some((n) => !n.readTime);

  return (
    <section>
      <div className="title-row">
        <h1>{t("notif.title")}</h1>
        {anyUnread && (
          <Button
            className="button"
            isDisabled={markRead.isPending}
            onPress={() => markRead.mutate({ all: true })}
          >
            {t("notif.markAll")}
          </Button>
        )}
      </div>
      <ProblemMessage error={list.error ?? markRead.error} />
      {list.isPending && <Loading />}
      {list.isSuccess && items.length === 0 && <p>{t("notif.empty")}</p>}
      <ul className="inbox">
        {items.map((n) => (
          <li key={n.id} className={n.readTime ? "read" : "unread"}>
            <div className="inbox-head">
              <strong>
                {!n.readTime && <span className="sr-only">{t("notif.unread")}: </span>}
                {n.subject}
              </strong>
              {n.createTime && (
                <time dateTime={new Date(Number(n.createTime.seconds) * 1000).toISOString()}>
                  {formatDateTime(n.createTime, zone, lang)}
                </time>
              )}
            </div>
            <p className="inbox-body">{n.body}</p>
            {!n.readTime && (
              <Button
                className="button quiet small"
                onPress={() => markRead.mutate({ notificationIds: [n.id] })}
              >
                {t("notif.markRead")}
              </Button>
            )}
          </li>
        ))}
      </ul>
    </section>
  );
}
