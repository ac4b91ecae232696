// System configuration (AdminService): every key with its effective value, default, bounds
// and version; a key changed with a reason (based on the version read, so a concurrent
// change is refused rather than overwritten), and the key's history a page at a time.
import { useEffect, useRef, useState } from "react";
import { useSearchParams } from "react-router";
import { Button, Form } from "react-aria-components";
import { createConnectQueryKey, useMutation, useQuery } from "@connectrpc/connect-query";
import { useQueryClient } from "@tanstack/react-query";
import {
  AdminService,
  ConfigurationType,
  type SystemConfiguration,
} from "@hms/sdk/hms/admin/v1/admin_pb";
import { useI18n, type MessageKey } from "../../i18n";
import { toProblem } from "../../api/errors";
import { Field, formText, type FormSubmit } from "../../components/fields";
import { Loading } from "../../components/Loading";
import { ProblemMessage, fieldErrors } from "../../components/Problem";
import { PagerControls, ShortId, When } from "./common";
import { usePager } from "./paging";
import { isDefault, parseValue, valueText, type ValueProblem } from "./config";
import "./admin.css";

const TYPE_LABELS: Record<ConfigurationType, MessageKey> = {
  [ConfigurationType.UNSPECIFIED]: "admin.config.type.UNSPECIFIED",
  [ConfigurationType.STRING]: "admin.config.type.STRING",
  [ConfigurationType.TIME_ZONE]: "admin.config.type.TIME_ZONE",
  [ConfigurationType.INTEGER]: "admin.config.type.INTEGER",
  [ConfigurationType.DURATION_LIST]: "admin.config.type.DURATION_LIST",
};

const VALUE_PROBLEMS: Record<ValueProblem, MessageKey> = {
  required: "admin.config.problem.required",
  integer: "admin.config.problem.integer",
  belowMinimum: "admin.config.problem.belowMinimum",
  aboveMaximum: "admin.config.problem.aboveMaximum",
  tooMany: "admin.config.problem.tooMany",
};

function bounds(c: SystemConfiguration, t: ReturnType<typeof useI18n>["t"]): string {
  switch (c.type) {
    case ConfigurationType.INTEGER:
      return t("admin.config.boundsInteger", {
        min: c.minimum.toString(),
        max: c.maximum.toString(),
        unit: c.unit,
      });
    case ConfigurationType.DURATION_LIST:
      return t("admin.config.boundsDurations", { items: c.maxItems });
    case ConfigurationType.STRING:
      return t("admin.config.boundsText", { min: c.minimum.toString(), max: c.maximum.toString() });
    case ConfigurationType.TIME_ZONE:
      return t("admin.config.boundsZone");
    default:
      return "";
  }
}

function EditKey({ config }: { config: SystemConfiguration }) {
  const { t } = useI18n();
  const queries = useQueryClient();
  const update = useMutation(AdminService.method.updateSystemConfiguration, {
    onSuccess: () =>
      queries.invalidateQueries({
        queryKey: createConnectQueryKey({ schema: AdminService, cardinality: undefined }),
      }),
  });
  const [error, setError] = useState<unknown>();
  const [local, setLocal] = useState<string | undefined>();
  const [saved, setSaved] = useState(false);
  const submit = (e: FormSubmit) => {
    e.preventDefault();
    const form = new FormData(e.currentTarget);
    const parsed = parseValue(config, formText(form, "value"));
    setError(undefined);
    setSaved(false);
    if (!parsed.ok) {
      setLocal(
        t(VALUE_PROBLEMS[parsed.problem], {
          min: config.minimum.toString(),
          max: config.maximum.toString(),
          items: config.maxItems,
        }),
      );
      return;
    }
    setLocal(undefined);
    update.mutate(
      {
        key: config.key,
        value: parsed.value,
        expectedVersion: config.version,
        reason: formText(form, "reason").trim(),
      },
      { onSuccess: () => setSaved(true), onError: setError },
    );
  };
  const errors = fieldErrors(t, error ? toProblem(error) : undefined);
  if (local) errors.value = local;
  return (
    <Form
      validationBehavior="aria"
      validationErrors={errors}
      onSubmit={submit}
      className="stack"
      aria-label={t("admin.config.change", { key: config.key })}
    >
      <h3>{t("admin.config.change", { key: config.key })}</h3>
      <Field
        key={`${config.key}:${config.version.toString()}`}
        name="value"
        label={t("admin.config.newValue")}
        hint={bounds(config, t)}
        defaultValue={valueText(config.value)}
        isRequired={config.type !== ConfigurationType.STRING}
      />
      <Field name="reason" label={t("admin.config.reason")} hint={t("admin.config.reasonHint")} />
      <ProblemMessage error={error} shownFields={Object.keys(errors)} />
      {saved && (
        <p className="note" role="status">
          {t("admin.config.saved", { key: config.key })}
        </p>
      )}
      <div className="actions">
        <Button type="submit" className="button primary" isDisabled={update.isPending}>
          {t("app.save")}
        </Button>
      </div>
    </Form>
  );
}

function History({ configKey }: { configKey: string }) {
  const { t } = useI18n();
  const pager = usePager();
  const changes = useQuery(AdminService.method.listSystemConfigurationChanges, {
    key: configKey,
    page: pager.page,
  });
  const list = changes.data?.changes ?? [];
  return (
    <section aria-labelledby="history-title">
      <h3 id="history-title">{t("admin.config.history", { key: configKey })}</h3>
      <ProblemMessage error={changes.error} />
      {changes.isPending && <Loading />}
      {changes.isSuccess && list.length === 0 && <p>{t("admin.config.noHistory")}</p>}
      {list.length > 0 && (
        <div className="table-wrap">
          <table className="table history">
            <caption className="sr-only">{t("admin.config.history", { key: configKey })}</caption>
            <thead>
              <tr>
                <th scope="col">{t("admin.config.when")}</th>
                <th scope="col">{t("admin.config.version")}</th>
                <th scope="col">{t("admin.config.old")}</th>
                <th scope="col">{t("admin.config.new")}</th>
                <th scope="col">{t("admin.config.by")}</th>
                <th scope="col">{t("admin.config.reason")}</th>
              </tr>
            </thead>
            <tbody>
              {list.map((c) => (
                <tr key={c.revision.toString()}>
                  <th scope="row">
                    <When at={c.changeTime} />
                  </th>
                  <td>{c.version.toString()}</td>
                  <td>{valueText(c.oldValue) || "—"}</td>
                  <td>{valueText(c.newValue)}</td>
                  <td>
                    <ShortId id={c.actorId} /> {c.actorRole}
                  </td>
                  <td>{c.reason}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      <PagerControls
        pager={pager}
        nextToken={changes.data?.page?.nextPageToken}
        label={t("admin.config.historyPages")}
      />
    </section>
  );
}

export default function Config() {
  const { t } = useI18n();
  const [params, setParams] = useSearchParams();
  const selected = params.get("key") ?? "";
  const list = useQuery(AdminService.method.listSystemConfigurations, {});
  const configs = list.data?.configurations ?? [];
  const current = configs.find((c) => c.key === selected);
  // The chosen key's panel opens under the table: keyboard and screen-reader users go there.
  const detail = useRef<HTMLHeadingElement>(null);
  const shown = current?.key;
  useEffect(() => {
    if (shown) detail.current?.focus();
  }, [shown]);

  return (
    <section className="admin">
      <h1>{t("admin.config.title")}</h1>
      <ProblemMessage error={list.error} />
      {list.isPending && <Loading />}
      {configs.length > 0 && (
        <div className="table-wrap">
          <table className="table">
            <caption className="sr-only">{t("admin.config.title")}</caption>
            <thead>
              <tr>
                <th scope="col">{t("admin.config.key")}</th>
                <th scope="col">{t("admin.config.value")}</th>
                <th scope="col">{t("admin.config.default")}</th>
                <th scope="col">{t("admin.config.type")}</th>
                <th scope="col">{t("admin.config.updated")}</th>
                <th scope="col">{t("admin.actions")}</th>
              </tr>
            </thead>
            <tbody>
              {configs.map((c) => (
                <tr key={c.key} aria-current={c.key === selected ? "true" : undefined}>
                  <th scope="row">
                    <code>{c.key}</code>
                    <div className="meta">{c.description}</div>
                  </th>
                  <td>
                    {valueText(c.value)} {c.unit}
                    {!isDefault(c) && <span className="tag">{t("admin.config.changed")}</span>}
                  </td>
                  <td>
                    {valueText(c.defaultValue)} {c.unit}
                  </td>
                  <td>{t(TYPE_LABELS[c.type])}</td>
                  <td>
                    {c.updateTime ? (
                      <>
                        <When at={c.updateTime} />
                        <div className="meta">
                          v{c.version.toString()} · <ShortId id={c.updatedBy} />
                        </div>
                      </>
                    ) : (
                      t("admin.config.never")
                    )}
                  </td>
                  <td>
                    <Button
                      className="button small"
                      onPress={() => setParams({ key: c.key })}
                      aria-label={t("admin.config.open", { key: c.key })}
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
      {current && (
        <div className="card stack config-detail">
          <div className="title-row">
            <h2 ref={detail} tabIndex={-1}>
              <code>{current.key}</code>
            </h2>
            <Button className="button quiet" onPress={() => setParams({})}>
              {t("app.close")}
            </Button>
          </div>
          <p>{current.description}</p>
          <EditKey config={current} />
          <History configKey={current.key} />
        </div>
      )}
    </section>
  );
}
