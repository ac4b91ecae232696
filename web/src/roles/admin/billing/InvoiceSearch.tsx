// The billing desk's invoice search (BillingService.SearchInvoices, newest first): filters
// by status, what was billed, invoice number prefix and patient, kept in the URL; pages
// forward and back through the service's page tokens.
import { useState } from "react";
import { Link, useSearchParams } from "react-router";
import { Button, Form } from "react-aria-components";
import { useMutation, useQuery } from "@connectrpc/connect-query";
import { Role } from "@hms/sdk/hms/common/v1/access_pb";
import { UserService, type User } from "@hms/sdk/hms/user/v1/user_pb";
import { BillingService, InvoiceStatus, SourceType } from "@hms/sdk/hms/billing/v1/billing_pb";
import { useI18n, type MessageKey } from "../../../i18n";
import { formatDay } from "../../../format";
import { Field } from "../../../components/fields";
import { Loading } from "../../../components/Loading";
import { ProblemMessage } from "../../../components/Problem";
import { invoiceStatusLabel } from "../../patient/billing";
import { InvoiceStatusBadge, useMoney } from "../../patient/InvoiceParts";
import { filtersFrom, filtersParams, type Filters } from "./desk";
import { PatientName } from "./PatientName";
import "../../patient/patient-billing.css";
import "./billing-desk.css";

const PAGE = 20;

const STATUSES = [
  InvoiceStatus.PENDING_PATIENT,
  InvoiceStatus.PARTIALLY_PAID,
  InvoiceStatus.OVERDUE,
  InvoiceStatus.PENDING_INSURANCE,
  InvoiceStatus.PAID,
  InvoiceStatus.CANCELLED,
  InvoiceStatus.WRITTEN_OFF,
];
const SOURCES = [
  SourceType.APPOINTMENT,
  SourceType.DISPENSE,
  SourceType.LAB_ORDER,
  SourceType.MANUAL,
];

export function sourceLabel(s: SourceType): MessageKey {
  return `desk.source.${SourceType[s] as keyof typeof SourceType}`;
}

/** What the patient field holds is taken as an id when it looks like one. */
function looksLikeId(text: string): boolean {
  return /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(text.trim());
}

function FilterForm({ initial, onSearch }: { initial: Filters; onSearch: (f: Filters) => void }) {
  const { t } = useI18n();
  const [f, setF] = useState(initial);
  const [patientText, setPatientText] = useState(initial.patientId);
  const [candidates, setCandidates] = useState<User[]>([]);
  const [notFound, setNotFound] = useState("");
  const lookup = useMutation(UserService.method.listUsers);

  const search = async () => {
    setCandidates([]);
    setNotFound("");
    const text = patientText.trim();
    if (!text || looksLikeId(text)) {
      onSearch({ ...f, patientId: text });
      return;
    }
    const { users } = await lookup.mutateAsync({
      role: Role.PATIENT,
      query: text,
      page: { pageSize: 10 },
    });
    const [only] = users;
    if (users.length === 1 && only) {
      onSearch({ ...f, patientId: only.id });
    } else if (users.length === 0) {
      setNotFound(text);
    } else {
      setCandidates(users);
    }
  };

  return (
    <Form
      className="card desk-filters"
      aria-label={t("desk.filters")}
      onSubmit={(e) => {
        e.preventDefault();
        void search();
      }}
    >
      <div className="row">
        <div className="field">
          <label htmlFor="desk-status">{t("desk.status")}</label>
          <select
            id="desk-status"
            value={f.status === undefined ? "" : InvoiceStatus[f.status]}
            onChange={(e) =>
              setF({
                ...f,
                status: e.target.value
                  ? InvoiceStatus[e.target.value as keyof typeof InvoiceStatus]
                  : undefined,
              })
            }
          >
            <option value="">{t("desk.anyStatus")}</option>
            {STATUSES.map((s) => (
              <option key={s} value={InvoiceStatus[s]}>
                {t(invoiceStatusLabel(s))}
              </option>
            ))}
          </select>
        </div>
        <div className="field">
          <label htmlFor="desk-source">{t("desk.source")}</label>
          <select
            id="desk-source"
            value={f.source === SourceType.UNSPECIFIED ? "" : SourceType[f.source]}
            onChange={(e) =>
              setF({
                ...f,
                source: e.target.value
                  ? SourceType[e.target.value as keyof typeof SourceType]
                  : SourceType.UNSPECIFIED,
              })
            }
          >
            <option value="">{t("desk.anySource")}</option>
            {SOURCES.map((s) => (
              <option key={s} value={SourceType[s]}>
                {t(sourceLabel(s))}
              </option>
            ))}
          </select>
        </div>
        <Field
          label={t("desk.prefix")}
          hint="INV-202612"
          value={f.prefix}
          onChange={(prefix) => setF({ ...f, prefix })}
          name="number"
        />
        <Field
          label={t("desk.patientFind")}
          value={patientText}
          onChange={setPatientText}
          name="patient"
        />
      </div>
      <ProblemMessage error={lookup.error} />
      {notFound && (
        <p className="problem" role="alert">
          {t("desk.noPatient", { text: notFound })}
        </p>
      )}
      {candidates.length > 0 && (
        <div role="group" aria-label={t("desk.whichPatient")} className="stack">
          <p>{t("desk.whichPatient")}</p>
          <div className="actions">
            {candidates.map((u) => (
              <Button
                key={u.id}
                className="button small"
                onPress={() => {
                  setCandidates([]);
                  setPatientText(u.id);
                  onSearch({ ...f, patientId: u.id });
                }}
              >
                {`${u.firstName} ${u.lastName}`.trim() || u.username} ({u.username})
              </Button>
            ))}
          </div>
        </div>
      )}
      <div className="actions">
        <Button type="submit" className="button primary" isDisabled={lookup.isPending}>
          {t("desk.search")}
        </Button>
        <Button
          className="button"
          onPress={() => {
            const empty = {
              status: undefined,
              source: SourceType.UNSPECIFIED,
              prefix: "",
              patientId: "",
            };
            setF(empty);
            setPatientText("");
            setCandidates([]);
            setNotFound("");
            onSearch(empty);
          }}
        >
          {t("desk.clear")}
        </Button>
      </div>
    </Form>
  );
}

export default function InvoiceSearch() {
  const { t, lang } = useI18n();
  const money = useMoney();
  const [params, setParams] = useSearchParams();
  const filters = filtersFrom(params);
  // Tokens of the pages seen so far: [""] is the first page.
  const [tokens, setTokens] = useState<string[]>([""]);
  const token = tokens.at(-1) ?? "";
  const search = useQuery(BillingService.method.searchInvoices, {
    page: { pageSize: PAGE, pageToken: token },
    statuses: filters.status === undefined ? [] : [filters.status],
    sourceType: filters.source,
    numberPrefix: filters.prefix,
    patientId: filters.patientId,
  });
  const invoices = search.data?.invoices ?? [];
  const next = search.data?.page?.nextPageToken ?? "";
  return (
    <div className="desk">
      <h1>{t("desk.title")}</h1>
      <FilterForm
        key={params.toString()}
        initial={filters}
        onSearch={(f) => {
          setTokens([""]);
          setParams(filtersParams(f));
        }}
      />
      <ProblemMessage error={search.error} />
      {search.isPending && <Loading />}
      {search.isSuccess && invoices.length === 0 && <p>{t("desk.none")}</p>}
      {invoices.length > 0 && (
        <div className="table-wrap">
          <table className="table desk-table">
            <caption className="sr-only">{t("desk.title")}</caption>
            <thead>
              <tr>
                <th scope="col">{t("desk.number")}</th>
                <th scope="col">{t("desk.issued")}</th>
                <th scope="col">{t("desk.patient")}</th>
                <th scope="col">{t("desk.source")}</th>
                <th scope="col">{t("desk.status")}</th>
                <th scope="col" className="num">
                  {t("desk.total")}
                </th>
                <th scope="col" className="num">
                  {t("desk.balance")}
                </th>
              </tr>
            </thead>
            <tbody>
              {invoices.map((inv) => (
                <tr key={inv.id}>
                  <td>
                    <Link
                      to={`/billing/invoices/${encodeURIComponent(inv.id)}`}
                      state={{ search: params.toString() }}
                      aria-label={t("desk.open", { number: inv.invoiceNumber })}
                    >
                      {inv.invoiceNumber}
                    </Link>
                  </td>
                  <td>{inv.issueDate ? formatDay(inv.issueDate, lang, true) : ""}</td>
                  <td>
                    <PatientName id={inv.patientId} />
                  </td>
                  <td>{t(sourceLabel(inv.sourceType))}</td>
                  <td>
                    <InvoiceStatusBadge status={inv.status} />
                  </td>
                  <td className="num">{money(inv.total)}</td>
                  <td className="num">{money(inv.balance)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      {(tokens.length > 1 || next) && (
        <nav className="actions pager" aria-label={t("desk.page", { n: tokens.length })}>
          <Button
            className="button"
            isDisabled={tokens.length <= 1}
            onPress={() => setTokens(tokens.slice(0, -1))}
          >
            {t("desk.prev")}
          </Button>
          <span>{t("desk.page", { n: tokens.length })}</span>
          <Button
            className="button"
            isDisabled={!next}
            onPress={() => setTokens([...tokens, next])}
          >
            {t("desk.next")}
          </Button>
        </nav>
      )}
    </div>
  );
}
