// Notification templates (NotificationService admin methods): filtered by type, channel and
// language a page at a time; one edited with a preview filled with sample values, saved if
// unchanged since it was read, or a built-in one put back to the text HMS ships.
import { useEffect, useRef, useState } from "react";
import { useSearchParams } from "react-router";
import { Button, Form } from "react-aria-components";
import { createConnectQueryKey, useMutation, useQuery } from "@connectrpc/connect-query";
import { useQueryClient } from "@tanstack/react-query";
import {
  Channel,
  NotificationService,
  NotificationType,
  type Template,
} from "@hms/sdk/hms/notification/v1/notification_pb";
import { useI18n } from "../../i18n";
import { toProblem } from "../../api/errors";
import { Field } from "../../components/fields";
import { Loading } from "../../components/Loading";
import { ProblemMessage, fieldErrors } from "../../components/Problem";
import { PagerControls, SelectField } from "./common";
import { usePager } from "./paging";
import { CHANNEL_LABELS, TYPE_LABELS, enumOptions } from "./notify";
import { placeholders, renderPreview, unknownPlaceholders } from "./template";
import { parseEnum } from "./enums";
import "./admin.css";

function useInvalidateTemplates() {
  const queries = useQueryClient();
  return () =>
    queries.invalidateQueries({
      queryKey: createConnectQueryKey({ schema: NotificationService, cardinality: undefined }),
    });
}

function Editor({ template, onClose }: { template: Template; onClose: () => void }) {
  const { t } = useI18n();
  const invalidate = useInvalidateTemplates();
  const update = useMutation(NotificationService.method.updateTemplate, { onSuccess: invalidate });
  const reset = useMutation(NotificationService.method.resetTemplate, { onSuccess: invalidate });
  const [subject, setSubject] = useState(template.subject);
  const [bodyText, setBodyText] = useState(template.bodyText);
  const [bodyHtml, setBodyHtml] = useState(template.bodyHtml);
  const [done, setDone] = useState<"saved" | "reset" | undefined>();
  const error = update.error ?? reset.error;
  const errors = fieldErrors(t, update.error ? toProblem(update.error) : undefined);
  // UpdateTemplate names its fields template.x; the inputs are named x.
  for (const [field, text] of Object.entries(errors)) {
    if (field.startsWith("template.")) errors[field.slice("template.".length)] = text;
  }
  // The editor opens above the list: keyboard and screen-reader users go to it.
  const heading = useRef<HTMLHeadingElement>(null);
  useEffect(() => heading.current?.focus(), []);
  const email = template.channel === Channel.EMAIL;
  const sms = template.channel === Channel.SMS;
  const unknown = unknownPlaceholders(
    `${subject}\n${bodyText}\n${bodyHtml}`,
    template.bodyText + template.subject + template.bodyHtml,
  );
  const used = placeholders(`${subject}\n${bodyText}\n${bodyHtml}`);

  const save = () => {
    setDone(undefined);
    update.mutate(
      { template: { ...template, subject, bodyText, bodyHtml } },
      { onSuccess: () => setDone("saved") },
    );
  };
  const toDefault = () => {
    setDone(undefined);
    reset.mutate(
      { templateId: template.id },
      {
        onSuccess: (r) => {
          setSubject(r.template?.subject ?? "");
          setBodyText(r.template?.bodyText ?? "");
          setBodyHtml(r.template?.bodyHtml ?? "");
          setDone("reset");
        },
      },
    );
  };

  return (
    <section className="card stack" aria-labelledby="template-title">
      <div className="title-row">
        <h2 id="template-title" ref={heading} tabIndex={-1}>
          {t("admin.tpl.editing", {
            type: t(TYPE_LABELS[template.type]),
            channel: t(CHANNEL_LABELS[template.channel]),
            language: template.language,
          })}
        </h2>
        <Button className="button quiet" onPress={onClose}>
          {t("app.close")}
        </Button>
      </div>
      <p className="meta">
        <code>{template.id}</code> · v{template.version.toString()}
        {template.builtIn && <> · {t("admin.tpl.builtIn")}</>}
      </p>
      <div className="columns tpl">
        <Form
          validationBehavior="aria"
          validationErrors={errors}
          onSubmit={(e) => {
            e.preventDefault();
            save();
          }}
          className="stack"
          aria-label={t("admin.tpl.texts")}
        >
          {!sms && (
            <Field
              name="subject"
              label={t(email ? "admin.tpl.subject" : "admin.tpl.inAppTitle")}
              value={subject}
              onChange={setSubject}
            />
          )}
          <Field
            name="body_text"
            label={t("admin.tpl.bodyText")}
            value={bodyText}
            onChange={setBodyText}
            multiline
            isRequired
          />
          {email && (
            <Field
              name="body_html"
              label={t("admin.tpl.bodyHtml")}
              hint={t("admin.tpl.bodyHtmlHint")}
              value={bodyHtml}
              onChange={setBodyHtml}
              multiline
            />
          )}
          {unknown.length > 0 && (
            <p className="problem" role="status">
              {t("admin.tpl.unknown", { names: unknown.join(", ") })}
            </p>
          )}
          <ProblemMessage error={error} shownFields={Object.keys(errors)} />
          {done && (
            <p className="note" role="status">
              {t(done === "saved" ? "admin.tpl.saved" : "admin.tpl.wasReset")}
            </p>
          )}
          <div className="actions">
            <Button type="submit" className="button primary" isDisabled={update.isPending}>
              {t("app.save")}
            </Button>
            {template.builtIn && (
              <Button className="button danger" isDisabled={reset.isPending} onPress={toDefault}>
                {t("admin.tpl.reset")}
              </Button>
            )}
          </div>
        </Form>
        <section className="preview" aria-labelledby="preview-title">
          <h3 id="preview-title">{t("admin.tpl.preview")}</h3>
          <p className="meta">
            {used.length > 0
              ? t("admin.tpl.placeholders", { names: used.join(", ") })
              : t("admin.tpl.noPlaceholders")}
          </p>
          {!sms && subject && <p className="preview-subject">{renderPreview(subject)}</p>}
          <div className="preview-body">{renderPreview(bodyText)}</div>
        </section>
      </div>
    </section>
  );
}

export default function Templates() {
  const { t } = useI18n();
  const pager = usePager();
  const [params, setParams] = useSearchParams();
  const [type, setType] = useState("0");
  const [channel, setChannel] = useState("0");
  const [language, setLanguage] = useState("");
  const selected = params.get("template") ?? "";
  const list = useQuery(NotificationService.method.listTemplates, {
    type: parseEnum(NotificationType, type, NotificationType.UNSPECIFIED),
    channel: parseEnum(Channel, channel, Channel.UNSPECIFIED),
    language,
    page: pager.page,
  });
  const one = useQuery(
    NotificationService.method.getTemplate,
    { templateId: selected },
    { enabled: !!selected },
  );
  const templates = list.data?.templates ?? [];
  const filter = (set: (v: string) => void) => (v: string) => {
    set(v);
    pager.reset();
  };

  return (
    <section className="admin">
      <h1>{t("admin.tpl.title")}</h1>
      {selected && one.data?.template && (
        <Editor key={selected} template={one.data.template} onClose={() => setParams({})} />
      )}
      {selected && <ProblemMessage error={one.error} />}
      <div className="filters" role="search" aria-label={t("admin.tpl.filters")}>
        <SelectField
          label={t("admin.tpl.type")}
          value={type}
          onChange={filter(setType)}
          options={enumOptions(TYPE_LABELS, t, t("admin.filter.any"))}
        />
        <SelectField
          label={t("admin.tpl.channel")}
          value={channel}
          onChange={filter(setChannel)}
          options={enumOptions(CHANNEL_LABELS, t, t("admin.filter.any"))}
        />
        <SelectField
          label={t("admin.tpl.language")}
          value={language}
          onChange={filter(setLanguage)}
          options={[
            { value: "", label: t("admin.filter.any") },
            { value: "vi", label: "Tiếng Việt" },
            { value: "en", label: "English" },
          ]}
        />
      </div>
      <ProblemMessage error={list.error} />
      {list.isPending && <Loading />}
      {list.isSuccess && templates.length === 0 && <p>{t("admin.tpl.none")}</p>}
      {templates.length > 0 && (
        <div className="table-wrap">
          <table className="table">
            <caption className="sr-only">{t("admin.tpl.title")}</caption>
            <thead>
              <tr>
                <th scope="col">{t("admin.tpl.type")}</th>
                <th scope="col">{t("admin.tpl.channel")}</th>
                <th scope="col">{t("admin.tpl.language")}</th>
                <th scope="col">{t("admin.tpl.subject")}</th>
                <th scope="col">{t("admin.tpl.version")}</th>
                <th scope="col">{t("admin.actions")}</th>
              </tr>
            </thead>
            <tbody>
              {templates.map((tpl) => (
                <tr key={tpl.id} aria-current={tpl.id === selected ? "true" : undefined}>
                  <th scope="row">{t(TYPE_LABELS[tpl.type])}</th>
                  <td>{t(CHANNEL_LABELS[tpl.channel])}</td>
                  <td>{tpl.language}</td>
                  <td>{tpl.subject}</td>
                  <td>
                    v{tpl.version.toString()}
                    {tpl.builtIn && <span className="tag">{t("admin.tpl.builtIn")}</span>}
                  </td>
                  <td>
                    <Button
                      className="button small"
                      onPress={() => setParams({ template: tpl.id })}
                      aria-label={t("admin.tpl.editWho", { id: tpl.id })}
                    >
                      {t("admin.edit")}
                    </Button>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      <PagerControls
        pager={pager}
        nextToken={list.data?.page?.nextPageToken}
        label={t("admin.tpl.pages")}
      />
    </section>
  );
}
