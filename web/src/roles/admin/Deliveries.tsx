// The notification delivery log (NotificationService.ListDeliveries), newest first, filtered
// by recipient, type, channel, status and the days it was created, a page at a time.
import { useState } from "react";
import { Button, Form } from "react-aria-components";
import { useQuery } from "@connectrpc/connect-query";
import {
  Channel,
  DeliveryStatus,
  NotificationService,
  NotificationType,
} from "@hms/sdk/hms/notification/v1/notification_pb";
import { useI18n } from "../../i18n";
import { useClinicZone } from "../../format/zone";
import { Field, formText, type FormSubmit } from "../../components/fields";
import { Loading } from "../../components/Loading";
import { ProblemMessage } from "../../components/Problem";
import { PagerControls, SelectField, ShortId, When, parseDateInput } from "./common";
import { usePager } from "./paging";
import { CHANNEL_LABELS, STATUS_LABELS, TYPE_LABELS, enumOptions } from "./notify";
import { dayRange } from "./zoned";
import { parseEnum } from "./enums";
import "./admin.css";

interface Filters {
  recipientId: string;
  type: string;
  channel: string;
  status: string;
  from: string;
  to: string;
}

export default function Deliveries() {
  const { t } = useI18n();
  const zone = useClinicZone();
  const pager = usePager();
  const [filters, setFilters] = useState<Filters>({
    recipientId: "",
    type: "0",
    channel: "0",
    status: "0",
    from: "",
    to: "",
  });
  const log = useQuery(NotificationService.method.listDeliveries, {
    recipientId: filters.recipientId,
    type: parseEnum(NotificationType, filters.type, NotificationType.UNSPECIFIED),
    channel: parseEnum(Channel, filters.channel, Channel.UNSPECIFIED),
    status: parseEnum(DeliveryStatus, filters.status, DeliveryStatus.UNSPECIFIED),
    ...dayRange(parseDateInput(filters.from), parseDateInput(filters.to), zone),
    page: pager.page,
  });
  const list = log.data?.deliveries ?? [];
  const submit = (e: FormSubmit) => {
    e.preventDefault();
    const form = new FormData(e.currentTarget);
    const v = (name: string) => formText(form, name).trim();
    setFilters({
      recipientId: v("recipient_id"),
      type: v("type") || "0",
      channel: v("channel") || "0",
      status: v("status") || "0",
      from: v("from"),
      to: v("to"),
    });
    pager.reset();
  };

  return (
    <section className="admin">
      <h1>{t("admin.dlv.title")}</h1>
      <Form onSubmit={submit} className="filters" role="search" aria-label={t("admin.dlv.filters")}>
        <SelectField
          name="type"
          label={t("admin.tpl.type")}
          defaultValue="0"
          options={enumOptions(TYPE_LABELS, t, t("admin.filter.any"))}
        />
        <SelectField
          name="channel"
          label={t("admin.tpl.channel")}
          defaultValue="0"
          options={enumOptions(CHANNEL_LABELS, t, t("admin.filter.any"))}
        />
        <SelectField
          name="status"
          label={t("admin.dlv.status")}
          defaultValue="0"
          options={enumOptions(STATUS_LABELS, t, t("admin.filter.any"))}
        />
        <Field name="recipient_id" label={t("admin.dlv.recipient")} />
        <Field name="from" type="date" label={t("admin.filter.from")} />
        <Field name="to" type="date" label={t("admin.filter.to")} />
        <Button type="submit" className="button">
          {t("admin.search")}
        </Button>
      </Form>
      <ProblemMessage error={log.error} />
      {log.isPending && <Loading />}
      {log.isSuccess && list.length === 0 && <p>{t("admin.dlv.none")}</p>}
      {list.length > 0 && (
        <div className="table-wrap">
          <table className="table deliveries">
            <caption className="sr-only">{t("admin.dlv.title")}</caption>
            <thead>
              <tr>
                <th scope="col">{t("admin.dlv.created")}</th>
                <th scope="col">{t("admin.tpl.type")}</th>
                <th scope="col">{t("admin.tpl.channel")}</th>
                <th scope="col">{t("admin.dlv.recipient")}</th>
                <th scope="col">{t("admin.dlv.status")}</th>
                <th scope="col">{t("admin.dlv.subject")}</th>
                <th scope="col">{t("admin.dlv.attempts")}</th>
              </tr>
            </thead>
            <tbody>
              {list.map((d) => (
                <tr
                  key={d.id}
                  className={d.status === DeliveryStatus.FAILED ? "flagged" : undefined}
                >
                  <td>
                    <When at={d.createTime} />
                  </td>
                  <th scope="row">{t(TYPE_LABELS[d.type])}</th>
                  <td>{t(CHANNEL_LABELS[d.channel])}</td>
                  <td>
                    <ShortId id={d.recipientId} />
                    {d.recipientContact && <div className="meta">{d.recipientContact}</div>}
                  </td>
                  <td>
                    {t(STATUS_LABELS[d.status])}
                    {d.sentTime && (
                      <div className="meta">
                        <When at={d.sentTime} />
                      </div>
                    )}
                    {d.error && <div className="field-error">{d.error}</div>}
                  </td>
                  <td>
                    {d.subject}
                    <div className="meta">{d.language}</div>
                  </td>
                  <td>{d.attempts}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      <PagerControls
        pager={pager}
        nextToken={log.data?.page?.nextPageToken}
        label={t("admin.dlv.pages")}
      />
    </section>
  );
}
