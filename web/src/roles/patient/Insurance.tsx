// The patient's insurance: their policies (list, add, deactivate), a claim on one of their
// open invoices, and the status of their claims. Billing offers patients no claim list, so
// the statuses come from the claim notifications the insurer's decisions send, plus the
// claim just submitted.
import { useMemo, useState } from "react";
import { useSearchParams } from "react-router";
import { Button, Dialog, Form, Heading, Modal, ModalOverlay } from "react-aria-components";
import { timestampMs } from "@bufbuild/protobuf/wkt";
import { createConnectQueryKey, useMutation, useQuery } from "@connectrpc/connect-query";
import { useQueryClient } from "@tanstack/react-query";
import {
  BillingService,
  type Claim,
  type InsurancePolicy,
} from "@hms/sdk/hms/billing/v1/billing_pb";
import {
  Channel,
  NotificationService,
  NotificationType,
} from "@hms/sdk/hms/notification/v1/notification_pb";
import { useI18n } from "../../i18n";
import { dayInZone, dayKey, formatDateTime, formatDay, formatMoney } from "../../format";
import { useClinicZone } from "../../format/zone";
import { Field } from "../../components/fields";
import { Loading } from "../../components/Loading";
import { ProblemMessage, fieldErrors } from "../../components/Problem";
import { toProblem } from "../../api/errors";
import { useMyId } from "./me";
import {
  amountText,
  balanceOf,
  claimStatusLabel,
  latestClaimUpdates,
  OPEN_STATUSES,
  parseAmount,
  parseDay,
} from "./billing";
import "./patient-billing.css";

function invalidate(queries: ReturnType<typeof useQueryClient>) {
  return queries.invalidateQueries({
    queryKey: createConnectQueryKey({ schema: BillingService, cardinality: undefined }),
  });
}

function AddPolicy({ patientId }: { patientId: string }) {
  const { t } = useI18n();
  const zone = useClinicZone();
  const queries = useQueryClient();
  const today = dayInZone(new Date(), zone);
  const [values, setValues] = useState({
    provider: "",
    number: "",
    member: "",
    from: dayKey(today),
    to: dayKey({ ...today, year: today.year + 1 }),
    coverage: "",
  });
  const [invalid, setInvalid] = useState<Record<string, string>>({});
  const create = useMutation(BillingService.method.createInsurancePolicy, {
    onSuccess: () => {
      setValues((v) => ({ ...v, provider: "", number: "", member: "", coverage: "" }));
      return invalidate(queries);
    },
  });
  const set = (key: keyof typeof values) => (value: string) =>
    setValues((v) => ({ ...v, [key]: value }));
  const serverErrors = fieldErrors(t, create.error ? toProblem(create.error) : undefined);
  const renamed: Record<string, string> = {};
  for (const [field, text] of Object.entries(serverErrors)) {
    const name =
      {
        "policy.provider_name": "provider",
        "policy.policy_number": "number",
        "policy.valid_from": "from",
        "policy.valid_to": "to",
      }[field] ?? field;
    renamed[name] = text;
  }
  return (
    <section className="card" aria-labelledby="ins-add">
      <h2 id="ins-add">{t("ins.add")}</h2>
      <Form
        className="stack"
        validationErrors={{ ...renamed, ...invalid }}
        onSubmit={(e) => {
          e.preventDefault();
          const from = parseDay(values.from);
          const to = parseDay(values.to);
          const errors: Record<string, string> = {};
          if (!from) errors.from = t("ins.dateInvalid");
          if (!to) errors.to = t("ins.dateInvalid");
          setInvalid(errors);
          if (!from || !to) return;
          create.mutate({
            patientId,
            policy: {
              providerName: values.provider.trim(),
              policyNumber: values.number.trim(),
              memberId: values.member.trim(),
              validFrom: from,
              validTo: to,
              coverageDetails: values.coverage.trim(),
            },
          });
        }}
      >
        <div className="row">
          <Field
            label={t("ins.provider")}
            name="provider"
            value={values.provider}
            onChange={set("provider")}
            isRequired
          />
          <Field
            label={t("ins.policyNumber")}
            name="number"
            value={values.number}
            onChange={set("number")}
            isRequired
          />
        </div>
        <div className="row">
          <Field
            label={t("ins.validFrom")}
            hint="YYYY-MM-DD"
            name="from"
            value={values.from}
            onChange={set("from")}
            isRequired
          />
          <Field
            label={t("ins.validTo")}
            hint="YYYY-MM-DD"
            name="to"
            value={values.to}
            onChange={set("to")}
            isRequired
          />
        </div>
        <Field
          label={t("ins.memberId")}
          name="member"
          value={values.member}
          onChange={set("member")}
        />
        <Field
          label={t("ins.coverage")}
          name="coverage"
          value={values.coverage}
          onChange={set("coverage")}
          multiline
        />
        <ProblemMessage
          error={create.error}
          shownFields={[
            "policy.provider_name",
            "policy.policy_number",
            "policy.valid_from",
            "policy.valid_to",
          ]}
        />
        {create.isSuccess && (
          <p className="note" role="status">
            {t("ins.added")}
          </p>
        )}
        <div className="actions">
          <Button type="submit" className="button primary" isDisabled={create.isPending}>
            {t("ins.add")}
          </Button>
        </div>
      </Form>
    </section>
  );
}

function DeactivateDialog({ policy, onClose }: { policy: InsurancePolicy; onClose: () => void }) {
  const { t } = useI18n();
  const queries = useQueryClient();
  const deactivate = useMutation(BillingService.method.deactivateInsurancePolicy, {
    onSuccess: () => invalidate(queries),
  });
  return (
    <ModalOverlay
      isOpen
      isDismissable
      onOpenChange={(open) => !open && onClose()}
      className="overlay"
    >
      <Modal className="modal">
        <Dialog className="dialog">
          <Heading slot="title">{t("ins.deactivateTitle")}</Heading>
          {deactivate.isSuccess ? (
            <p className="note" role="status">
              {t("ins.deactivated")}
            </p>
          ) : (
            <p>
              {t("ins.deactivateText", {
                number: policy.policyNumber,
                provider: policy.providerName,
              })}
            </p>
          )}
          <ProblemMessage error={deactivate.error} />
          <div className="actions">
            {!deactivate.isSuccess && (
              <Button
                className="button danger"
                isDisabled={deactivate.isPending}
                onPress={() =>
                  deactivate.mutate({ patientId: policy.patientId, policyId: policy.id })
                }
              >
                {t("ins.deactivate")}
              </Button>
            )}
            <Button className="button" onPress={onClose}>
              {deactivate.isSuccess ? t("app.close") : t("app.back")}
            </Button>
          </div>
        </Dialog>
      </Modal>
    </ModalOverlay>
  );
}

function ClaimForm({
  patientId,
  policies,
  onSubmitted,
}: {
  patientId: string;
  policies: InsurancePolicy[];
  onSubmitted: (claim: Claim) => void;
}) {
  const { t, lang } = useI18n();
  const queries = useQueryClient();
  const [params] = useSearchParams();
  const invoices = useQuery(BillingService.method.listPatientInvoices, {
    patientId,
    statuses: [...OPEN_STATUSES],
    page: { pageSize: 100 },
  });
  const open = (invoices.data?.invoices ?? []).filter((i) => balanceOf(i) > 0n);
  const active = policies.filter((p) => p.active);
  const [invoiceId, setInvoiceId] = useState(params.get("invoice") ?? "");
  const [policyId, setPolicyId] = useState("");
  const [amount, setAmount] = useState("");
  const [notes, setNotes] = useState("");
  const [invalid, setInvalid] = useState<Record<string, string>>({});
  const invoice = open.find((i) => i.id === invoiceId);
  const policy =
    active.find((p) => p.id === policyId) ?? (active.length === 1 ? active[0] : undefined);
  const currency = invoice?.balance?.currency || "VND";
  const submit = useMutation(BillingService.method.submitClaim, {
    onSuccess: (r) => {
      if (r.claim) onSubmitted(r.claim);
      setInvoiceId("");
      setAmount("");
      setNotes("");
      return invalidate(queries);
    },
  });
  const shownAmount = amount || (invoice ? amountText(balanceOf(invoice), currency) : "");

  if (invoices.isPending) return <Loading />;
  return (
    <section className="card" aria-labelledby="ins-claim">
      <h2 id="ins-claim">{t("ins.claimTitle")}</h2>
      <p className="meta">{t("ins.claimHelp")}</p>
      <ProblemMessage error={invoices.error} />
      {open.length === 0 ? (
        <p>{t("ins.noOpenInvoices")}</p>
      ) : active.length === 0 ? (
        <p>{t("ins.needPolicy")}</p>
      ) : (
        <Form
          className="stack"
          validationErrors={invalid}
          onSubmit={(e) => {
            e.preventDefault();
            const minor = parseAmount(shownAmount, currency);
            const errors: Record<string, string> = {};
            if (!invoice) errors.invoice = t("ins.choose");
            if (minor === undefined || (invoice && minor > balanceOf(invoice))) {
              errors.amount = t("pay.amountInvalid", {
                balance: formatMoney(invoice?.balance ?? { amountMinor: 0n, currency }, lang),
              });
            }
            setInvalid(errors);
            if (!invoice || !policy || minor === undefined || Object.keys(errors).length > 0)
              return;
            submit.mutate({
              invoiceId: invoice.id,
              policyId: policy.id,
              claimAmount: { amountMinor: minor, currency },
              hospitalNotes: notes.trim(),
            });
          }}
        >
          <div className="field">
            <label htmlFor="claim-invoice">{t("ins.invoice")}</label>
            <select
              id="claim-invoice"
              value={invoice ? invoiceId : ""}
              onChange={(e) => {
                setInvoiceId(e.target.value);
                setAmount("");
              }}
              required
            >
              <option value="">{t("ins.choose")}</option>
              {open.map((i) => (
                <option key={i.id} value={i.id}>
                  {i.invoiceNumber} ·{" "}
                  {formatMoney(i.balance ?? { amountMinor: 0n, currency: "VND" }, lang)}
                </option>
              ))}
            </select>
            {invalid.invoice && <span className="field-error">{invalid.invoice}</span>}
          </div>
          <div className="field">
            <label htmlFor="claim-policy">{t("ins.policy")}</label>
            <select
              id="claim-policy"
              value={policy?.id ?? ""}
              onChange={(e) => setPolicyId(e.target.value)}
              required
            >
              {active.length > 1 && <option value="">{t("ins.choose")}</option>}
              {active.map((p) => (
                <option key={p.id} value={p.id}>
                  {p.providerName} · {p.policyNumber}
                </option>
              ))}
            </select>
          </div>
          <Field
            label={t("ins.claimAmount", { currency })}
            name="amount"
            value={shownAmount}
            onChange={setAmount}
            inputMode="numeric"
            isRequired
          />
          <Field
            label={t("ins.hospitalNotes")}
            name="notes"
            value={notes}
            onChange={setNotes}
            multiline
          />
          <ProblemMessage error={submit.error} />
          <div className="actions">
            <Button
              type="submit"
              className="button primary"
              isDisabled={submit.isPending || !policy}
            >
              {t("ins.submitClaim")}
            </Button>
          </div>
        </Form>
      )}
    </section>
  );
}

function Claims({ submitted }: { submitted: Claim[] }) {
  const { t, lang } = useI18n();
  const zone = useClinicZone();
  const notes = useQuery(NotificationService.method.listNotifications, { page: { pageSize: 100 } });
  const updates = useMemo(
    () =>
      latestClaimUpdates(
        (notes.data?.notifications ?? [])
          .filter(
            (n) =>
              n.type === NotificationType.INSURANCE_CLAIM_STATUS_UPDATED &&
              n.channel === Channel.IN_APP,
          )
          .map((n) => ({
            body: n.body,
            subject: n.subject,
            at: n.createTime ? timestampMs(n.createTime) : 0,
          })),
      ),
    [notes.data],
  );
  // A claim submitted on this page is shown until a notification says more of it.
  const fresh = submitted.filter((c) => !updates.some((u) => u.claimNumber === c.claimNumber));
  return (
    <section aria-labelledby="ins-claims">
      <h2 id="ins-claims">{t("ins.claims")}</h2>
      <p className="meta">{t("ins.claimsHelp")}</p>
      <ProblemMessage error={notes.error} />
      {fresh.length === 0 && updates.length === 0 && notes.isSuccess && <p>{t("ins.noClaims")}</p>}
      <ul className="appts">
        {fresh.map((c) => (
          <li key={c.id} className="card claim">
            <div className="appt-head">
              <strong>{t("ins.claimLine", { number: c.claimNumber })}</strong>
              <span className="status">{t(claimStatusLabel(c.status))}</span>
            </div>
            <p className="meta">
              {c.invoiceNumber} · {c.providerName} ·{" "}
              {formatMoney(c.claimAmount ?? { amountMinor: 0n, currency: "VND" }, lang)}
            </p>
          </li>
        ))}
        {updates.map((u) => (
          <li key={u.claimNumber} className="card claim">
            <div className="appt-head">
              <strong>{t("ins.claimLine", { number: u.claimNumber })}</strong>
              <span className="status">{t(claimStatusLabel(u.status))}</span>
            </div>
            {u.at > 0 && <p className="meta">{formatDateTime(new Date(u.at), zone, lang)}</p>}
          </li>
        ))}
      </ul>
    </section>
  );
}

export default function Insurance() {
  const { t, lang } = useI18n();
  const patientId = useMyId();
  const policies = useQuery(
    BillingService.method.listInsurancePolicies,
    { patientId },
    { enabled: !!patientId },
  );
  const [deactivating, setDeactivating] = useState<InsurancePolicy | undefined>();
  const [submitted, setSubmitted] = useState<Claim[]>([]);
  const list = policies.data?.policies ?? [];
  const last = submitted[0];
  return (
    <div className="insurance">
      <h1>{t("ins.title")}</h1>
      <section aria-labelledby="ins-policies">
        <h2 id="ins-policies">{t("ins.policies")}</h2>
        <ProblemMessage error={policies.error} />
        {policies.isPending && <Loading />}
        {policies.isSuccess && list.length === 0 && <p>{t("ins.noPolicies")}</p>}
        <ul className="appts">
          {list.map((p) => (
            <li key={p.id} className={`card policy ${p.active ? "" : "inactive"}`}>
              <div className="appt-head">
                <strong>
                  {p.providerName} · {p.policyNumber}
                </strong>
                <span className="status">{p.active ? t("ins.active") : t("ins.inactive")}</span>
              </div>
              <p className="meta">
                {p.validFrom &&
                  p.validTo &&
                  t("ins.dates", {
                    from: formatDay(p.validFrom, lang, true),
                    to: formatDay(p.validTo, lang, true),
                  })}
                {p.memberId && <> · {p.memberId}</>}
              </p>
              {p.coverageDetails && <p className="prose">{p.coverageDetails}</p>}
              {p.active && (
                <div className="actions">
                  <Button
                    className="button small"
                    onPress={() => setDeactivating(p)}
                    aria-label={`${t("ins.deactivate")}: ${p.providerName} ${p.policyNumber}`}
                  >
                    {t("ins.deactivate")}
                  </Button>
                </div>
              )}
            </li>
          ))}
        </ul>
      </section>
      {last && (
        <p className="note" role="status">
          {t("ins.claimSubmitted", {
            number: last.claimNumber,
            amount: formatMoney(last.claimAmount ?? { amountMinor: 0n, currency: "VND" }, lang),
            status: t(claimStatusLabel(last.status)),
          })}
        </p>
      )}
      {patientId && policies.isSuccess && (
        <ClaimForm
          patientId={patientId}
          policies={list}
          onSubmitted={(c) => setSubmitted((s) => [c, ...s])}
        />
      )}
      <Claims submitted={submitted} />
      {patientId && <AddPolicy patientId={patientId} />}
      {deactivating && (
        <DeactivateDialog policy={deactivating} onClose={() => setDeactivating(undefined)} />
      )}
    </div>
  );
}
