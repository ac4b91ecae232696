// The medical service catalog (ScheduleService): every service, inactive ones too, a page
// at a time; a service created or edited with its price in its currency (VND has no minor
// digits), deactivated, or deleted when it was never booked (SERVICE_IN_USE otherwise).
import { useState } from "react";
import {
  Button,
  CheckboxButton,
  CheckboxField,
  Dialog,
  Form,
  Heading,
  Modal,
  ModalOverlay,
} from "react-aria-components";
import { createConnectQueryKey, useMutation, useQuery } from "@connectrpc/connect-query";
import { useQueryClient } from "@tanstack/react-query";
import {
  ScheduleService,
  ServiceKind,
  type MedicalService,
} from "@hms/sdk/hms/appointment/v1/appointment_pb";
import { useI18n, type MessageKey } from "../../i18n";
import { toProblem } from "../../api/errors";
import { formatMoney } from "../../format";
import { Field, formText, type FormSubmit } from "../../components/fields";
import { Loading } from "../../components/Loading";
import { ProblemMessage, fieldErrors } from "../../components/Problem";
import { PagerControls, SelectField } from "./common";
import { usePager } from "./paging";
import { amountInput, parseAmount } from "./money";
import { parseEnum } from "./enums";
import "./admin.css";

export const KINDS: { kind: ServiceKind; label: MessageKey }[] = [
  { kind: ServiceKind.GENERAL_CHECKUP, label: "admin.kind.GENERAL_CHECKUP" },
  { kind: ServiceKind.SPECIALIST_CONSULTATION, label: "admin.kind.SPECIALIST_CONSULTATION" },
  { kind: ServiceKind.LAB_TEST, label: "admin.kind.LAB_TEST" },
  { kind: ServiceKind.FOLLOW_UP, label: "admin.kind.FOLLOW_UP" },
  { kind: ServiceKind.VACCINATION, label: "admin.kind.VACCINATION" },
  { kind: ServiceKind.OTHER, label: "admin.kind.OTHER" },
];

function kindLabel(kind: ServiceKind): MessageKey {
  return KINDS.find((k) => k.kind === kind)?.label ?? "admin.kind.UNSPECIFIED";
}

const CURRENCIES = ["VND", "USD", "EUR"];

function useInvalidateServices() {
  const queries = useQueryClient();
  return () =>
    queries.invalidateQueries({
      queryKey: createConnectQueryKey({ schema: ScheduleService, cardinality: undefined }),
    });
}

/** Create (no `service`) or edit one service. */
function ServiceForm({
  service,
  onDone,
}: {
  service?: MedicalService;
  onDone: (s: MedicalService) => void;
}) {
  const { t } = useI18n();
  const invalidate = useInvalidateServices();
  const create = useMutation(ScheduleService.method.createMedicalService, {
    onSuccess: invalidate,
  });
  const update = useMutation(ScheduleService.method.updateMedicalService, {
    onSuccess: invalidate,
  });
  const [kind, setKind] = useState(String(service?.kind ?? ServiceKind.GENERAL_CHECKUP));
  const [currency, setCurrency] = useState(service?.price?.currency || "VND");
  const [autoConfirm, setAutoConfirm] = useState(service?.autoConfirm ?? false);
  const [active, setActive] = useState(service?.active ?? true);
  const [error, setError] = useState<unknown>();
  const [priceProblem, setPriceProblem] = useState<string | undefined>();
  const pending = create.isPending || update.isPending;

  const submit = (e: FormSubmit) => {
    e.preventDefault();
    const form = new FormData(e.currentTarget);
    const value = (name: string) => formText(form, name).trim();
    setError(undefined);
    const price = parseAmount(value("service.price.amount_minor"), currency);
    if (!price.ok) {
      setPriceProblem(
        t(
          price.problem === "digits" ? "admin.services.priceDigits" : "admin.services.priceFormat",
          {
            currency,
          },
        ),
      );
      return;
    }
    setPriceProblem(undefined);
    const input = {
      name: value("service.name"),
      description: value("service.description"),
      kind: parseEnum(ServiceKind, kind, ServiceKind.UNSPECIFIED),
      durationMinutes: Number(value("service.duration_minutes") || "0"),
      price: { amountMinor: price.minor, currency },
      specialties: value("service.specialties")
        .split(",")
        .map((s) => s.trim())
        .filter(Boolean),
      autoConfirm,
      active,
    };
    const done = {
      onSuccess: (r: { service?: MedicalService }) => r.service && onDone(r.service),
      onError: setError,
    };
    if (service) update.mutate({ serviceId: service.id, service: input }, done);
    else create.mutate({ code: value("code").toUpperCase(), service: input }, done);
  };

  const errors = fieldErrors(t, error ? toProblem(error) : undefined);
  if (priceProblem) errors["service.price.amount_minor"] = priceProblem;
  for (const key of Object.keys(errors)) {
    const m = /^service\.specialties\[\d+\]$/.exec(key);
    if (m) errors["service.specialties"] = errors[key] ?? "";
  }
  const title = service
    ? t("admin.services.editTitle", { name: service.name })
    : t("admin.services.new");

  return (
    <Form
      validationBehavior="aria"
      validationErrors={errors}
      onSubmit={submit}
      className="card stack"
      aria-label={title}
    >
      <h2>{title}</h2>
      <div className="row">
        {service ? (
          <dl className="facts">
            <dt>{t("admin.services.code")}</dt>
            <dd>
              <code>{service.code}</code>
            </dd>
          </dl>
        ) : (
          <Field
            name="code"
            label={t("admin.services.code")}
            hint={t("admin.services.codeHint")}
            isRequired
          />
        )}
        <Field
          name="service.name"
          label={t("admin.services.name")}
          defaultValue={service?.name ?? ""}
          isRequired
        />
      </div>
      <Field
        name="service.description"
        label={t("admin.services.description")}
        defaultValue={service?.description ?? ""}
        multiline
      />
      <div className="row">
        <SelectField
          label={t("admin.services.kind")}
          value={kind}
          onChange={setKind}
          options={KINDS.map((k) => ({ value: String(k.kind), label: t(k.label) }))}
          error={errors["service.kind"]}
        />
        <Field
          name="service.duration_minutes"
          type="number"
          label={t("admin.services.duration")}
          hint={t("admin.services.durationHint")}
          defaultValue={String(service?.durationMinutes ?? 30)}
          isRequired
        />
      </div>
      <div className="row">
        <Field
          name="service.price.amount_minor"
          label={t("admin.services.price", { currency })}
          hint={t("admin.services.priceHint")}
          defaultValue={service?.price ? amountInput(service.price.amountMinor, currency) : ""}
          inputMode="decimal"
          isRequired
        />
        <SelectField
          label={t("admin.services.currency")}
          value={currency}
          onChange={setCurrency}
          options={[...new Set([...CURRENCIES, currency])].map((c) => ({ value: c, label: c }))}
          error={errors["service.price.currency"]}
        />
      </div>
      <Field
        name="service.specialties"
        label={t("admin.services.specialties")}
        hint={t("admin.services.specialtiesHint")}
        defaultValue={service?.specialties.join(", ") ?? ""}
      />
      <CheckboxField isSelected={autoConfirm} onChange={setAutoConfirm}>
        <CheckboxButton className="checkbox">
          <span className="box" aria-hidden="true" />
          {t("admin.services.autoConfirm")}
        </CheckboxButton>
      </CheckboxField>
      <CheckboxField isSelected={active} onChange={setActive}>
        <CheckboxButton className="checkbox">
          <span className="box" aria-hidden="true" />
          {t("admin.services.activeLabel")}
        </CheckboxButton>
      </CheckboxField>
      <ProblemMessage error={error} shownFields={Object.keys(errors)} />
      <div className="actions">
        <Button type="submit" className="button primary" isDisabled={pending}>
          {service ? t("app.save") : t("admin.services.create")}
        </Button>
      </div>
    </Form>
  );
}

/** Asks before deleting: a service never booked goes for good. */
function DeleteDialog({ service, onClose }: { service: MedicalService; onClose: () => void }) {
  const { t } = useI18n();
  const invalidate = useInvalidateServices();
  const remove = useMutation(ScheduleService.method.deleteMedicalService, {
    onSuccess: () => {
      onClose();
      return invalidate();
    },
  });
  return (
    <ModalOverlay
      isOpen
      isDismissable
      onOpenChange={(open) => !open && onClose()}
      className="overlay"
    >
      <Modal className="modal">
        <Dialog className="dialog" role="alertdialog">
          <Heading slot="title">{t("admin.services.deleteWho", { name: service.name })}</Heading>
          <p>{t("admin.services.deleteHelp")}</p>
          <ProblemMessage error={remove.error} />
          <div className="actions">
            {/* Back first: the dialog's first control takes the focus. */}
            <Button className="button" onPress={onClose}>
              {t("app.back")}
            </Button>
            <Button
              className="button danger"
              isDisabled={remove.isPending}
              onPress={() => remove.mutate({ serviceId: service.id })}
            >
              {t("admin.delete")}
            </Button>
          </div>
        </Dialog>
      </Modal>
    </ModalOverlay>
  );
}

function Row({ service: s, onEdit }: { service: MedicalService; onEdit: () => void }) {
  const { t, lang } = useI18n();
  const invalidate = useInvalidateServices();
  const update = useMutation(ScheduleService.method.updateMedicalService, {
    onSuccess: invalidate,
  });
  const [deleting, setDeleting] = useState(false);
  const toggle = () =>
    update.mutate({
      serviceId: s.id,
      service: {
        name: s.name,
        description: s.description,
        kind: s.kind,
        durationMinutes: s.durationMinutes,
        price: s.price,
        specialties: s.specialties,
        autoConfirm: s.autoConfirm,
        active: !s.active,
      },
    });
  return (
    <tr className={s.active ? undefined : "inactive"} data-id={s.id}>
      <td>
        <code>{s.code}</code>
      </td>
      <th scope="row">{s.name}</th>
      <td>{t(kindLabel(s.kind))}</td>
      <td>{t("admin.services.minutes", { minutes: s.durationMinutes })}</td>
      <td className="num">{s.price ? formatMoney(s.price, lang) : ""}</td>
      <td>{s.specialties.join(", ") || t("admin.services.anyDoctor")}</td>
      <td>{t(s.active ? "admin.services.active" : "admin.services.inactive")}</td>
      <td>
        <div className="actions">
          <Button
            className="button small"
            onPress={onEdit}
            aria-label={t("admin.services.editWho", { name: s.name })}
          >
            {t("admin.edit")}
          </Button>
          <Button
            className="button small"
            isDisabled={update.isPending}
            onPress={toggle}
            aria-label={t(
              s.active ? "admin.services.deactivateWho" : "admin.services.activateWho",
              {
                name: s.name,
              },
            )}
          >
            {t(s.active ? "admin.services.deactivate" : "admin.services.activate")}
          </Button>
          <Button
            className="button small danger"
            onPress={() => setDeleting(true)}
            aria-label={t("admin.services.deleteWho", { name: s.name })}
          >
            {t("admin.delete")}
          </Button>
        </div>
        <ProblemMessage error={update.error} />
        {deleting && <DeleteDialog service={s} onClose={() => setDeleting(false)} />}
      </td>
    </tr>
  );
}

export default function Services() {
  const { t } = useI18n();
  const pager = usePager();
  const [editing, setEditing] = useState<MedicalService | "new" | undefined>();
  const [saved, setSaved] = useState<MedicalService | undefined>();
  const list = useQuery(ScheduleService.method.listMedicalServices, {
    page: pager.page,
    includeInactive: true,
  });
  const services = list.data?.services ?? [];

  return (
    <section className="admin">
      <div className="title-row">
        <h1>{t("admin.services.title")}</h1>
        <Button
          className="button primary"
          onPress={() => {
            setEditing(editing === "new" ? undefined : "new");
            setSaved(undefined);
          }}
          aria-expanded={editing === "new"}
        >
          {t("admin.services.new")}
        </Button>
      </div>
      {saved && (
        <p className="note" role="status" data-id={saved.id}>
          {t("admin.services.saved", { name: saved.name })}
        </p>
      )}
      {editing && (
        <ServiceForm
          key={editing === "new" ? "new" : editing.id}
          service={editing === "new" ? undefined : editing}
          onDone={(s) => {
            setSaved(s);
            setEditing(undefined);
          }}
        />
      )}
      <ProblemMessage error={list.error} />
      {list.isPending && <Loading />}
      {list.isSuccess && services.length === 0 && <p>{t("admin.services.none")}</p>}
      {services.length > 0 && (
        <div className="table-wrap">
          <table className="table">
            <caption className="sr-only">{t("admin.services.title")}</caption>
            <thead>
              <tr>
                <th scope="col">{t("admin.services.code")}</th>
                <th scope="col">{t("admin.services.name")}</th>
                <th scope="col">{t("admin.services.kind")}</th>
                <th scope="col">{t("admin.services.durationShort")}</th>
                <th scope="col">{t("admin.services.priceShort")}</th>
                <th scope="col">{t("admin.services.specialtiesShort")}</th>
                <th scope="col">{t("admin.users.state")}</th>
                <th scope="col">{t("admin.actions")}</th>
              </tr>
            </thead>
            <tbody>
              {services.map((s) => (
                <Row
                  key={s.id}
                  service={s}
                  onEdit={() => {
                    setEditing(s);
                    setSaved(undefined);
                  }}
                />
              ))}
            </tbody>
          </table>
        </div>
      )}
      <PagerControls
        pager={pager}
        nextToken={list.data?.page?.nextPageToken}
        label={t("admin.services.pages")}
      />
    </section>
  );
}
