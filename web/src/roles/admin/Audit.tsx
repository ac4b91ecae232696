// Audit: the admin audit log of every admin action across services (AdminService), searched
// and a page at a time, with the hash chain's verdict; the medical record's side (EHR):
// break-glass grants to review and the record audit trail; and the pharmacy's trail of
// prescriptions and the laboratory's of lab orders. The three services' trails are one
// component (search by patient or actor, events, pages, the chain's verdict), each tab
// calling its own service's ListAuditEvents and VerifyAuditChain.
import { useState } from "react";
import { Button, Form, Tab, TabList, TabPanel, Tabs } from "react-aria-components";
import { useMutation, useQuery } from "@connectrpc/connect-query";
import type { Timestamp } from "@bufbuild/protobuf/wkt";
import { AdminService } from "@hms/sdk/hms/admin/v1/admin_pb";
import { EhrService } from "@hms/sdk/hms/ehr/v1/ehr_pb";
import { LaboratoryService } from "@hms/sdk/hms/laboratory/v1/laboratory_pb";
import { PharmacyService } from "@hms/sdk/hms/pharmacy/v1/pharmacy_pb";
import { useI18n } from "../../i18n";
import { useClinicZone } from "../../format/zone";
import { Field, formText, type FormSubmit } from "../../components/fields";
import { Loading } from "../../components/Loading";
import { ProblemMessage } from "../../components/Problem";
import { PagerControls, ShortId, When, parseDateInput } from "./common";
import { usePager } from "./paging";
import { NO_TRAIL_FILTERS, outcomeLabel, trailFilters, type TrailFilters } from "./auditTrail";
import { dayRange } from "./zoned";
import "./admin.css";

interface VerdictResult {
  intact: boolean;
  checked: bigint;
  firstBrokenSequence: bigint;
  problem: string;
}

/** The verdict of a chain check, as one sentence. */
function Verdict({ result }: { result: VerdictResult | undefined }) {
  const { t } = useI18n();
  if (!result) return null;
  return result.intact ? (
    <p className="note verdict" role="status">
      {t("admin.audit.intact", { checked: result.checked.toString() })}
    </p>
  ) : (
    <p className="problem verdict" role="alert">
      {t("admin.audit.broken", {
        sequence: result.firstBrokenSequence.toString(),
        checked: result.checked.toString(),
        problem: result.problem,
      })}
    </p>
  );
}

interface AdminFilters {
  actorId: string;
  action: string;
  targetType: string;
  targetId: string;
  service: string;
  from: string;
  to: string;
}

const NO_FILTERS: AdminFilters = {
  actorId: "",
  action: "",
  targetType: "",
  targetId: "",
  service: "",
  from: "",
  to: "",
};

function AdminLog() {
  const { t } = useI18n();
  const zone = useClinicZone();
  const pager = usePager();
  const [filters, setFilters] = useState<AdminFilters>(NO_FILTERS);
  const verify = useMutation(AdminService.method.verifyAuditLog);
  const log = useQuery(AdminService.method.listAuditLogs, {
    actorId: filters.actorId,
    action: filters.action,
    targetType: filters.targetType,
    targetId: filters.targetId,
    service: filters.service,
    ...dayRange(parseDateInput(filters.from), parseDateInput(filters.to), zone),
    page: pager.page,
  });
  const entries = log.data?.entries ?? [];
  const submit = (e: FormSubmit) => {
    e.preventDefault();
    const form = new FormData(e.currentTarget);
    const v = (name: string) => formText(form, name).trim();
    setFilters({
      actorId: v("actor_id"),
      action: v("action"),
      targetType: v("target_type"),
      targetId: v("target_id"),
      service: v("service"),
      from: v("from"),
      to: v("to"),
    });
    pager.reset();
  };
  return (
    <div className="stack">
      <div className="title-row">
        <p>{t("admin.audit.adminHelp")}</p>
        <Button
          className="button primary"
          isDisabled={verify.isPending}
          onPress={() => verify.mutate({})}
        >
          {t("admin.audit.verify")}
        </Button>
      </div>
      <ProblemMessage error={verify.error} />
      <Verdict result={verify.data} />
      <Form
        onSubmit={submit}
        className="filters"
        role="search"
        aria-label={t("admin.audit.search")}
      >
        <Field name="action" label={t("admin.audit.action")} hint={t("admin.audit.actionHint")} />
        <Field name="target_type" label={t("admin.audit.targetType")} />
        <Field name="target_id" label={t("admin.audit.targetId")} />
        <Field name="actor_id" label={t("admin.audit.actor")} />
        <Field name="service" label={t("admin.audit.service")} />
        <Field name="from" type="date" label={t("admin.filter.from")} />
        <Field name="to" type="date" label={t("admin.filter.to")} />
        <Button type="submit" className="button">
          {t("admin.search")}
        </Button>
      </Form>
      <ProblemMessage error={log.error} />
      {log.isPending && <Loading />}
      {log.isSuccess && entries.length === 0 && <p>{t("admin.audit.none")}</p>}
      {entries.length > 0 && (
        <div className="table-wrap">
          <table className="table audit">
            <caption className="sr-only">{t("admin.audit.adminLog")}</caption>
            <thead>
              <tr>
                <th scope="col">#</th>
                <th scope="col">{t("admin.audit.when")}</th>
                <th scope="col">{t("admin.audit.action")}</th>
                <th scope="col">{t("admin.audit.target")}</th>
                <th scope="col">{t("admin.audit.actor")}</th>
                <th scope="col">{t("admin.audit.service")}</th>
                <th scope="col">{t("admin.audit.change")}</th>
              </tr>
            </thead>
            <tbody>
              {entries.map((e) => (
                <tr key={e.sequence.toString()}>
                  <td>{e.sequence.toString()}</td>
                  <td>
                    <When at={e.actionTime} />
                  </td>
                  <th scope="row">
                    <code>{e.action}</code>
                  </th>
                  <td>
                    {e.targetType} <ShortId id={e.targetId} />
                  </td>
                  <td>
                    <ShortId id={e.actorId} /> {e.actorRole}
                    {e.clientAddress && <div className="meta">{e.clientAddress}</div>}
                  </td>
                  <td>{e.service}</td>
                  <td className="change">
                    {e.before && (
                      <div>
                        <span className="meta">{t("admin.audit.before")}</span> {e.before}
                      </div>
                    )}
                    {e.after && (
                      <div>
                        <span className="meta">{t("admin.audit.after")}</span> {e.after}
                      </div>
                    )}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      <PagerControls
        pager={pager}
        nextToken={log.data?.page?.nextPageToken}
        label={t("admin.audit.pages")}
      />
    </div>
  );
}

function BreakGlass() {
  const { t } = useI18n();
  const pager = usePager();
  const [filters, setFilters] = useState({ doctorId: "", patientId: "" });
  const grants = useQuery(EhrService.method.listBreakGlassGrants, {
    ...filters,
    page: pager.page,
  });
  const list = grants.data?.grants ?? [];
  return (
    <div className="stack">
      <p>{t("admin.audit.breakGlassHelp")}</p>
      <Form
        className="filters"
        role="search"
        aria-label={t("admin.audit.search")}
        onSubmit={(e) => {
          e.preventDefault();
          const form = new FormData(e.currentTarget);
          setFilters({
            doctorId: formText(form, "doctor_id").trim(),
            patientId: formText(form, "patient_id").trim(),
          });
          pager.reset();
        }}
      >
        <Field name="doctor_id" label={t("admin.audit.doctorId")} />
        <Field name="patient_id" label={t("admin.audit.patientId")} />
        <Button type="submit" className="button">
          {t("admin.search")}
        </Button>
      </Form>
      <ProblemMessage error={grants.error} />
      {grants.isPending && <Loading />}
      {grants.isSuccess && list.length === 0 && <p>{t("admin.audit.noGrants")}</p>}
      {list.length > 0 && (
        <div className="table-wrap">
          <table className="table">
            <caption className="sr-only">{t("admin.audit.breakGlass")}</caption>
            <thead>
              <tr>
                <th scope="col">{t("admin.audit.granted")}</th>
                <th scope="col">{t("admin.audit.expires")}</th>
                <th scope="col">{t("admin.audit.doctorId")}</th>
                <th scope="col">{t("admin.audit.patientId")}</th>
                <th scope="col">{t("admin.audit.reason")}</th>
              </tr>
            </thead>
            <tbody>
              {list.map((g) => (
                <tr key={g.grantId}>
                  <th scope="row">
                    <When at={g.grantTime} />
                  </th>
                  <td>
                    <When at={g.expireTime} />
                  </td>
                  <td>
                    <ShortId id={g.doctorId} />
                  </td>
                  <td>
                    <ShortId id={g.patientId} />
                  </td>
                  <td>{g.reason}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      <PagerControls
        pager={pager}
        nextToken={grants.data?.page?.nextPageToken}
        label={t("admin.audit.grantPages")}
      />
    </div>
  );
}

/** An entry of a service's own audit chain: the EHR's, the pharmacy's or the laboratory's. */
interface ChainEvent {
  sequence: bigint;
  eventTime?: Timestamp | undefined;
  action: string;
  actorId: string;
  actorRole: string;
  patientId: string;
  resource: string;
  /** The service's AuditOutcome: the same numbers in each. */
  outcome: number;
  /** The EHR's: access came from break-glass. */
  breakGlassReason?: string;
  /** The pharmacy's and the laboratory's: the reason given (an override, a cancellation). */
  reason?: string;
}

/** The search and the pages of a service's audit trail; `request` is what to list. */
function useTrail() {
  const pager = usePager();
  const [filters, setFilters] = useState<TrailFilters>(NO_TRAIL_FILTERS);
  const [bothGiven, setBothGiven] = useState(false);
  const search = (patientId: string, actorId: string) => {
    const next = trailFilters(patientId, actorId);
    setBothGiven(!next);
    if (!next) return;
    setFilters(next);
    pager.reset();
  };
  return { pager, request: { ...filters, page: pager.page }, bothGiven, search };
}

/**
 * A service's own audit trail: its help, the chain check and its verdict, the search by
 * patient or actor (one at most), the events newest first and their pages. The tab calls
 * its service; this shows what it answers.
 */
function ChainTrail({
  trail,
  help,
  verifyLabel,
  caption,
  pagesLabel,
  onVerify,
  verifying,
  verifyError,
  verdict,
  list,
}: {
  trail: ReturnType<typeof useTrail>;
  help: string;
  verifyLabel: string;
  caption: string;
  pagesLabel: string;
  onVerify: () => void;
  verifying: boolean;
  verifyError: unknown;
  verdict: VerdictResult | undefined;
  list: {
    data?: { events: readonly ChainEvent[]; page?: { nextPageToken: string } | undefined };
    isPending: boolean;
    isSuccess: boolean;
    error: unknown;
  };
}) {
  const { t } = useI18n();
  const events = list.data?.events ?? [];
  return (
    <div className="stack">
      <div className="title-row">
        <p>{help}</p>
        <Button className="button primary" isDisabled={verifying} onPress={onVerify}>
          {verifyLabel}
        </Button>
      </div>
      <ProblemMessage error={verifyError} />
      <Verdict result={verdict} />
      <Form
        className="filters"
        role="search"
        aria-label={t("admin.audit.search")}
        validationBehavior="aria"
        validationErrors={trail.bothGiven ? { actor_id: t("admin.audit.oneFilter") } : {}}
        onSubmit={(e) => {
          e.preventDefault();
          const form = new FormData(e.currentTarget);
          trail.search(formText(form, "patient_id"), formText(form, "actor_id"));
        }}
      >
        <Field name="patient_id" label={t("admin.audit.patientId")} />
        <Field name="actor_id" label={t("admin.audit.actor")} />
        <Button type="submit" className="button">
          {t("admin.search")}
        </Button>
      </Form>
      <ProblemMessage error={list.error} />
      {list.isPending && <Loading />}
      {list.isSuccess && events.length === 0 && <p>{t("admin.audit.none")}</p>}
      {events.length > 0 && (
        <div className="table-wrap">
          <table className="table audit">
            <caption className="sr-only">{caption}</caption>
            <thead>
              <tr>
                <th scope="col">#</th>
                <th scope="col">{t("admin.audit.when")}</th>
                <th scope="col">{t("admin.audit.action")}</th>
                <th scope="col">{t("admin.audit.actor")}</th>
                <th scope="col">{t("admin.audit.patientId")}</th>
                <th scope="col">{t("admin.audit.resource")}</th>
                <th scope="col">{t("admin.audit.outcome")}</th>
              </tr>
            </thead>
            <tbody>
              {events.map((e) => (
                <tr
                  key={e.sequence.toString()}
                  className={e.breakGlassReason ? "flagged" : undefined}
                >
                  <td>{e.sequence.toString()}</td>
                  <td>
                    <When at={e.eventTime} />
                  </td>
                  <th scope="row">
                    <code>{e.action}</code>
                  </th>
                  <td>
                    <ShortId id={e.actorId} /> {e.actorRole}
                  </td>
                  <td>
                    <ShortId id={e.patientId} />
                  </td>
                  <td>{e.resource}</td>
                  <td>
                    {t(outcomeLabel(e.outcome))}
                    {e.breakGlassReason && (
                      <div className="meta">
                        {t("admin.audit.viaBreakGlass", { reason: e.breakGlassReason })}
                      </div>
                    )}
                    {e.reason && (
                      <div className="meta">
                        {t("admin.audit.reasonGiven", { reason: e.reason })}
                      </div>
                    )}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      <PagerControls
        pager={trail.pager}
        nextToken={list.data?.page?.nextPageToken}
        label={pagesLabel}
      />
    </div>
  );
}

/** The medical record's audit trail (EhrService) and its chain. */
function RecordTrail() {
  const { t } = useI18n();
  const trail = useTrail();
  const verify = useMutation(EhrService.method.verifyAuditChain);
  const list = useQuery(EhrService.method.listAuditEvents, trail.request);
  return (
    <ChainTrail
      trail={trail}
      help={t("admin.audit.recordHelp")}
      verifyLabel={t("admin.audit.verifyRecord")}
      caption={t("admin.audit.record")}
      pagesLabel={t("admin.audit.eventPages")}
      onVerify={() => verify.mutate({})}
      verifying={verify.isPending}
      verifyError={verify.error}
      verdict={verify.data}
      list={list}
    />
  );
}

/** The pharmacy's audit trail of prescriptions (PharmacyService) and its chain. */
function PharmacyTrail() {
  const { t } = useI18n();
  const trail = useTrail();
  const verify = useMutation(PharmacyService.method.verifyAuditChain);
  const list = useQuery(PharmacyService.method.listAuditEvents, trail.request);
  return (
    <ChainTrail
      trail={trail}
      help={t("admin.audit.pharmacyHelp")}
      verifyLabel={t("admin.audit.verifyPharmacy")}
      caption={t("admin.audit.pharmacy")}
      pagesLabel={t("admin.audit.pharmacyPages")}
      onVerify={() => verify.mutate({})}
      verifying={verify.isPending}
      verifyError={verify.error}
      verdict={verify.data}
      list={list}
    />
  );
}

/** The laboratory's audit trail of lab orders (LaboratoryService) and its chain. */
function LabTrail() {
  const { t } = useI18n();
  const trail = useTrail();
  const verify = useMutation(LaboratoryService.method.verifyAuditChain);
  const list = useQuery(LaboratoryService.method.listAuditEvents, trail.request);
  return (
    <ChainTrail
      trail={trail}
      help={t("admin.audit.labHelp")}
      verifyLabel={t("admin.audit.verifyLab")}
      caption={t("admin.audit.laboratory")}
      pagesLabel={t("admin.audit.labPages")}
      onVerify={() => verify.mutate({})}
      verifying={verify.isPending}
      verifyError={verify.error}
      verdict={verify.data}
      list={list}
    />
  );
}

export default function Audit() {
  const { t } = useI18n();
  return (
    <section className="admin">
      <h1>{t("admin.audit.title")}</h1>
      <Tabs className="tabs">
        <TabList aria-label={t("admin.audit.title")}>
          <Tab id="admin">{t("admin.audit.adminLog")}</Tab>
          <Tab id="break-glass">{t("admin.audit.breakGlass")}</Tab>
          <Tab id="record">{t("admin.audit.record")}</Tab>
          <Tab id="pharmacy">{t("admin.audit.pharmacy")}</Tab>
          <Tab id="laboratory">{t("admin.audit.laboratory")}</Tab>
        </TabList>
        <TabPanel id="admin">
          <AdminLog />
        </TabPanel>
        <TabPanel id="break-glass">
          <BreakGlass />
        </TabPanel>
        <TabPanel id="record">
          <RecordTrail />
        </TabPanel>
        <TabPanel id="pharmacy">
          <PharmacyTrail />
        </TabPanel>
        <TabPanel id="laboratory">
          <LabTrail />
        </TabPanel>
      </Tabs>
    </section>
  );
}
