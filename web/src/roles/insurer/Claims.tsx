// The insurer's claims (InsuranceProviderService.ListPendingClaims, oldest first) and the
// processing of one (ProcessClaim): start, ask for documents, approve in full or in part,
// reject, and record the payout of an approved claim. An approved claim leaves the pending
// list, so it stays on the page with its payout action until the page is left.
import { useState } from "react";
import { Button, Dialog, Form, Heading, Modal, ModalOverlay } from "react-aria-components";
import { useInfiniteQuery, useMutation } from "@connectrpc/connect-query";
import {
  ClaimStatus,
  InsuranceProviderService,
  type Claim,
} from "@hms/sdk/hms/billing/v1/billing_pb";
import { useI18n, type MessageKey } from "../../i18n";
import { formatDateTime, formatMoney } from "../../format";
import { useClinicZone } from "../../format/zone";
import { Field } from "../../components/fields";
import { Loading } from "../../components/Loading";
import { ProblemMessage } from "../../components/Problem";
import { amountText, claimStatusLabel, parseAmount } from "../patient/billing";
import { insurerMoves, mergeDecided, partialValid } from "./claims";
import "../patient/patient-billing.css";
import "./claims.css";

const PAGE = 20;

function moveLabel(s: ClaimStatus): MessageKey {
  return `clm.move.${ClaimStatus[s] as "PROCESSING"}`;
}

function ProcessDialog({
  claim,
  onDone,
  onClose,
}: {
  claim: Claim;
  onDone: (c: Claim) => void;
  onClose: () => void;
}) {
  const { t, lang } = useI18n();
  const moves = insurerMoves(claim.status);
  const currency = claim.claimAmount?.currency || "VND";
  const claimed = claim.claimAmount?.amountMinor ?? 0n;
  const money = (amountMinor: bigint) => formatMoney({ amountMinor, currency }, lang);
  const [move, setMove] = useState<ClaimStatus | undefined>(moves[0]);
  const [partial, setPartial] = useState(amountText(claimed / 2n, currency));
  const [notes, setNotes] = useState("");
  const [invalid, setInvalid] = useState<Record<string, string>>({});
  const [reviewing, setReviewing] = useState(false);
  const process = useMutation(InsuranceProviderService.method.processClaim, {
    onSuccess: (r) => {
      if (r.claim) onDone(r.claim);
    },
  });
  const partialMinor = parseAmount(partial, currency);
  const moveAmount =
    move === ClaimStatus.PARTIALLY_APPROVED
      ? (partialMinor ?? 0n)
      : move === ClaimStatus.PAID_BY_INSURER
        ? (claim.approvedAmount?.amountMinor ?? 0n)
        : claimed;
  const done = process.data?.claim;
  return (
    <ModalOverlay
      isOpen
      isDismissable={!process.isPending}
      onOpenChange={(open) => !open && onClose()}
      className="overlay"
    >
      <Modal className="modal">
        <Dialog className="dialog">
          <Heading slot="title">{t("clm.processTitle", { number: claim.claimNumber })}</Heading>
          <p className="meta">
            {claim.invoiceNumber} · {claim.policyNumber} · {money(claimed)}
          </p>
          {claim.hospitalNotes && (
            <p className="prose">
              {t("clm.hospitalNotes")}: {claim.hospitalNotes}
            </p>
          )}
          {done ? (
            <>
              <p className="note" role="status">
                {t("clm.done", {
                  number: done.claimNumber,
                  status: t(claimStatusLabel(done.status)),
                })}
              </p>
              <div className="actions">
                <Button className="button primary" onPress={onClose}>
                  {t("app.close")}
                </Button>
              </div>
            </>
          ) : reviewing && move !== undefined ? (
            <>
              <p className="confirm-question">
                {t("clm.confirm", {
                  move: t(moveLabel(move)),
                  number: claim.claimNumber,
                  amount: money(moveAmount),
                })}
              </p>
              {notes.trim() && <p className="meta prose">{notes.trim()}</p>}
              <ProblemMessage error={process.error} />
              <div className="actions">
                <Button
                  className={`button ${move === ClaimStatus.REJECTED ? "danger" : "primary"}`}
                  isDisabled={process.isPending}
                  onPress={() =>
                    process.mutate({
                      claimId: claim.id,
                      status: move,
                      approvedAmountMinor:
                        move === ClaimStatus.PARTIALLY_APPROVED ? (partialMinor ?? 0n) : 0n,
                      notes: notes.trim(),
                    })
                  }
                >
                  {t("clm.submit")}
                </Button>
                <Button className="button" onPress={() => setReviewing(false)}>
                  {t("desk.edit")}
                </Button>
              </div>
            </>
          ) : moves.length === 0 ? (
            <p>{t("clm.closedHere")}</p>
          ) : (
            <Form
              className="stack"
              validationErrors={invalid}
              onSubmit={(e) => {
                e.preventDefault();
                const errors: Record<string, string> = {};
                if (
                  move === ClaimStatus.PARTIALLY_APPROVED &&
                  !partialValid(partialMinor, claimed)
                ) {
                  errors.partial = t("clm.partialInvalid", { amount: money(claimed) });
                }
                if (
                  (move === ClaimStatus.REJECTED || move === ClaimStatus.AWAITING_DOCUMENTS) &&
                  !notes.trim()
                ) {
                  errors.notes = t("clm.notesNeeded");
                }
                setInvalid(errors);
                if (Object.keys(errors).length === 0) {
                  process.reset();
                  setReviewing(true);
                }
              }}
            >
              <fieldset className="moves">
                <legend>{t("clm.decision")}</legend>
                {moves.map((m) => (
                  <label key={m}>
                    <input
                      type="radio"
                      name="move"
                      value={ClaimStatus[m]}
                      checked={move === m}
                      onChange={() => setMove(m)}
                    />
                    {t(moveLabel(m))}
                  </label>
                ))}
              </fieldset>
              {move === ClaimStatus.PARTIALLY_APPROVED && (
                <Field
                  label={t("clm.partialAmount", { currency })}
                  name="partial"
                  value={partial}
                  onChange={setPartial}
                  inputMode="numeric"
                  isRequired
                />
              )}
              {move !== ClaimStatus.PAID_BY_INSURER && (
                <Field
                  label={t("clm.notes")}
                  name="notes"
                  value={notes}
                  onChange={setNotes}
                  multiline
                />
              )}
              <div className="actions">
                <Button type="submit" className="button primary">
                  {t("desk.review")}
                </Button>
                <Button className="button" onPress={onClose}>
                  {t("app.cancel")}
                </Button>
              </div>
            </Form>
          )}
        </Dialog>
      </Modal>
    </ModalOverlay>
  );
}

export default function Claims() {
  const { t, lang } = useI18n();
  const zone = useClinicZone();
  const pending = useInfiniteQuery(
    InsuranceProviderService.method.listPendingClaims,
    { page: { pageSize: PAGE, pageToken: "" } },
    {
      pageParamKey: "page",
      getNextPageParam: (last) =>
        last.page?.nextPageToken
          ? { pageSize: PAGE, pageToken: last.page.nextPageToken }
          : undefined,
    },
  );
  const [decided, setDecided] = useState<Claim[]>([]);
  const [open, setOpen] = useState<Claim | undefined>();
  const listed = (pending.data?.pages.flatMap((p) => p.claims) ?? []).map(
    (c) => decided.find((d) => d.id === c.id) ?? c,
  );
  const claims = mergeDecided(listed, decided);
  const money = (c: Claim["claimAmount"]) =>
    formatMoney(c ?? { amountMinor: 0n, currency: "VND" }, lang);
  return (
    <div className="claims">
      <h1>{t("clm.title")}</h1>
      <p className="meta">{t("clm.help")}</p>
      <ProblemMessage error={pending.error} />
      {pending.isPending && <Loading />}
      {pending.isSuccess && claims.length === 0 && <p>{t("clm.none")}</p>}
      {claims.length > 0 && (
        <div className="table-wrap">
          <table className="table">
            <caption className="sr-only">{t("clm.title")}</caption>
            <thead>
              <tr>
                <th scope="col">{t("clm.number")}</th>
                <th scope="col">{t("clm.submitted")}</th>
                <th scope="col">{t("clm.invoice")}</th>
                <th scope="col">{t("clm.policy")}</th>
                <th scope="col" className="num">
                  {t("clm.amount")}
                </th>
                <th scope="col" className="num">
                  {t("clm.approved")}
                </th>
                <th scope="col">{t("clm.status")}</th>
                <th scope="col">
                  <span className="sr-only">{t("clm.process")}</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {claims.map((c) => (
                <tr key={c.id}>
                  <td>
                    {c.claimNumber}
                    {c.hospitalNotes && <div className="meta prose">{c.hospitalNotes}</div>}
                  </td>
                  <td>{c.submitTime ? formatDateTime(c.submitTime, zone, lang) : ""}</td>
                  <td>{c.invoiceNumber}</td>
                  <td>
                    {c.policyNumber}
                    <div className="meta">{c.providerName}</div>
                  </td>
                  <td className="num">{money(c.claimAmount)}</td>
                  <td className="num">
                    {c.approvedAmount && c.approvedAmount.amountMinor > 0n
                      ? money(c.approvedAmount)
                      : "–"}
                  </td>
                  <td>
                    <span className="status">{t(claimStatusLabel(c.status))}</span>
                  </td>
                  <td>
                    {insurerMoves(c.status).length > 0 && (
                      <Button
                        className="button small"
                        onPress={() => setOpen(c)}
                        aria-label={`${t("clm.process")}: ${c.claimNumber}`}
                      >
                        {t("clm.process")}
                      </Button>
                    )}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      {pending.hasNextPage && (
        <Button
          className="button"
          isDisabled={pending.isFetchingNextPage}
          onPress={() => void pending.fetchNextPage()}
        >
          {t("app.more")}
        </Button>
      )}
      {open && (
        <ProcessDialog
          claim={open}
          onClose={() => setOpen(undefined)}
          onDone={(c) => setDecided((d) => [c, ...d.filter((x) => x.id !== c.id)])}
        />
      )}
    </div>
  );
}
