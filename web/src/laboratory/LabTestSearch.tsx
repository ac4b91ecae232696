// Finds a test in the laboratory's catalog (LaboratoryService.ListLabTests, by the start
// of a word of its name or its code) and hands the chosen one on. Results are a listbox:
// Tab into them, move with the arrows, choose with Enter.
import { useEffect, useId, useState } from "react";
import { ListBox, ListBoxItem } from "react-aria-components";
import { useQuery } from "@connectrpc/connect-query";
import { LaboratoryService, type LabTest } from "@hms/sdk/hms/laboratory/v1/laboratory_pb";
import { useI18n } from "../i18n";
import { formatMoney } from "../format";
import { ProblemMessage } from "../components/Problem";

function useSettled<T>(value: T, ms: number): T {
  const [settled, setSettled] = useState(value);
  useEffect(() => {
    const timer = setTimeout(() => setSettled(value), ms);
    return () => clearTimeout(timer);
  }, [value, ms]);
  return settled;
}

export function LabTestSearch({ onChoose }: { onChoose: (test: LabTest) => void }) {
  const { t, lang } = useI18n();
  const id = useId();
  const [typed, setTyped] = useState("");
  const query = useSettled(typed.trim(), 250);
  const found = useQuery(
    LaboratoryService.method.listLabTests,
    { query, page: { pageSize: 12 } },
    { enabled: query.length >= 2, staleTime: 60_000 },
  );
  const results = query.length >= 2 ? (found.data?.tests ?? []) : [];
  return (
    <div className="med-search">
      <div className="field">
        <label htmlFor={`${id}-q`}>{t("lab.search")}</label>
        <input
          id={`${id}-q`}
          type="search"
          value={typed}
          onChange={(e) => setTyped(e.target.value)}
          aria-describedby={`${id}-hint`}
          autoComplete="off"
        />
        <span id={`${id}-hint`} slot="description">
          {t("lab.search.hint")}
        </span>
      </div>
      <ProblemMessage error={found.error} scope="lab.reason" />
      {query.length >= 2 && found.isSuccess && results.length === 0 && (
        <p className="note" role="status">
          {t("lab.search.none")}
        </p>
      )}
      {results.length > 0 && (
        <ListBox
          className="med-results"
          aria-label={t("lab.search.results")}
          items={results}
          onAction={(key) => {
            const chosen = results.find((x) => x.testId === key);
            if (!chosen) return;
            onChoose(chosen);
            setTyped("");
          }}
        >
          {(x) => (
            <ListBoxItem id={x.testId} textValue={x.name} className="med-result">
              <strong>{x.name}</strong>{" "}
              <small>
                {x.code} · {x.sampleType}
                {x.price ? ` · ${formatMoney(x.price, lang)}` : ""}
              </small>
            </ListBoxItem>
          )}
        </ListBox>
      )}
    </div>
  );
}
