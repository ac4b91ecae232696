// Finds a medication in the catalog (PharmacyService.ListMedications, by the start of a
// word of its name or generic name) and hands the chosen one on: the doctor's prescribing
// panel and the pharmacist's receiving page both start here. Results are a listbox, so
// keyboard users Tab into them, move with the arrows and choose with Enter.
import { useEffect, useId, useState } from "react";
import { ListBox, ListBoxItem } from "react-aria-components";
import { useQuery } from "@connectrpc/connect-query";
import { PharmacyService, type Medication } from "@hms/sdk/hms/pharmacy/v1/pharmacy_pb";
import { useI18n } from "../i18n";
import { formatMoney } from "../format";
import { ProblemMessage } from "../components/Problem";
import { medicationLabel } from "./rx";

/** `value`, once it has not changed for `ms`. */
function useSettled<T>(value: T, ms: number): T {
  const [settled, setSettled] = useState(value);
  useEffect(() => {
    const timer = setTimeout(() => setSettled(value), ms);
    return () => clearTimeout(timer);
  }, [value, ms]);
  return settled;
}

export function MedicationSearch({
  label,
  resultsLabel,
  onChoose,
}: {
  label: string;
  resultsLabel: string;
  onChoose: (m: Medication) => void;
}) {
  const { t, lang } = useI18n();
  const id = useId();
  const [typed, setTyped] = useState("");
  const query = useSettled(typed.trim(), 250);
  const found = useQuery(
    PharmacyService.method.listMedications,
    { query, page: { pageSize: 12 } },
    { enabled: query.length >= 2, staleTime: 60_000 },
  );
  const results = query.length >= 2 ? (found.data?.medications ?? []) : [];
  return (
    <div className="med-search">
      <div className="field">
        <label htmlFor={`${id}-q`}>{label}</label>
        <input
          id={`${id}-q`}
          type="search"
          value={typed}
          onChange={(e) => setTyped(e.target.value)}
          aria-describedby={`${id}-hint`}
          autoComplete="off"
        />
        <span id={`${id}-hint`} slot="description">
          {t("rx.search.hint")}
        </span>
      </div>
      <ProblemMessage error={found.error} scope="rx.reason" />
      {query.length >= 2 && found.isSuccess && results.length === 0 && (
        <p className="note" role="status">
          {t("rx.search.none")}
        </p>
      )}
      {results.length > 0 && (
        <ListBox
          className="med-results"
          aria-label={resultsLabel}
          items={results}
          onAction={(key) => {
            const chosen = results.find((m) => m.medicationId === key);
            if (!chosen) return;
            onChoose(chosen);
            setTyped("");
          }}
        >
          {(m) => (
            <ListBoxItem id={m.medicationId} textValue={m.name} className="med-result">
              <strong>{medicationLabel(m)}</strong>{" "}
              <small>
                {m.code} · {m.strength}
                {m.unitPrice ? ` · ${formatMoney(m.unitPrice, lang)}` : ""}
              </small>
            </ListBoxItem>
          )}
        </ListBox>
      )}
    </div>
  );
}
