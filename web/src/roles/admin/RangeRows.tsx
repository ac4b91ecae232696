// A lab test parameter's reference ranges as the admin edits them: one row per range (sex,
// age band in years or days, reference and critical limits, source), each input named by its
// request field so the service's violations show next to it, and a range's own violation
// (limits out of order) under its row.
import { Button } from "react-aria-components";
import { Sex } from "@hms/sdk/hms/laboratory/v1/laboratory_pb";
import { useI18n } from "../../i18n";
import { Field } from "../../components/fields";
import { SelectField } from "./common";
import { emptyRange, type RangeDraft, type RangeProblem } from "./labRanges";

export function rangeProblemText(
  t: ReturnType<typeof useI18n>["t"],
  problem: RangeProblem,
): string {
  return problem === "age"
    ? t("admin.lab.range.ageFormat")
    : problem === "number"
      ? t("admin.lab.range.numberFormat")
      : t("admin.lab.range.order");
}

/** A parameter's reference ranges, one editable row each (sex, age band, limits, source). */
export function RangeRows({
  parameter,
  name,
  ranges,
  errors,
  onChange,
}: {
  parameter: string;
  /** A range's own request field (`…ranges[1]`), or one of its fields (`…ranges[1].low`). */
  name: (n: number, field?: string) => string;
  ranges: RangeDraft[];
  errors: Record<string, string>;
  onChange: (ranges: RangeDraft[]) => void;
}) {
  const { t } = useI18n();
  const set = (n: number, change: Partial<RangeDraft>) =>
    onChange(ranges.map((r, k) => (k === n ? { ...r, ...change } : r)));
  const cell = (n: number, r: RangeDraft, key: keyof RangeDraft, field: string, label: string) => (
    <Field
      name={name(n, field)}
      label={t("admin.lab.range.cell", { n: n + 1, parameter, what: label })}
      value={r[key]}
      onChange={(v) => set(n, { [key]: v })}
    />
  );
  return (
    <div className="lab-ranges">
      <h4>{t("admin.lab.ranges", { name: parameter })}</h4>
      <p className="meta">{t("admin.lab.range.help")}</p>
      {ranges.map((r, n) => (
        <div key={n} className="row lab-range" data-range={n}>
          <SelectField
            label={t("admin.lab.range.cell", {
              n: n + 1,
              parameter,
              what: t("admin.lab.range.sex"),
            })}
            value={r.sex}
            onChange={(v) => set(n, { sex: v })}
            error={errors[name(n, "sex")]}
            options={[
              { value: String(Sex.UNSPECIFIED), label: t("admin.lab.sex.any") },
              { value: String(Sex.MALE), label: t("admin.lab.sex.male") },
              { value: String(Sex.FEMALE), label: t("admin.lab.sex.female") },
            ]}
          />
          {cell(n, r, "from", "age_min_days", t("admin.lab.range.from"))}
          {cell(n, r, "to", "age_max_days", t("admin.lab.range.to"))}
          {cell(n, r, "low", "low", t("admin.lab.range.low"))}
          {cell(n, r, "high", "high", t("admin.lab.range.high"))}
          {cell(n, r, "criticalLow", "critical_low", t("admin.lab.range.criticalLow"))}
          {cell(n, r, "criticalHigh", "critical_high", t("admin.lab.range.criticalHigh"))}
          {cell(n, r, "source", "source", t("admin.lab.range.source"))}
          {errors[name(n)] && (
            <p className="field-error" role="alert">
              {errors[name(n)]}
            </p>
          )}
          <Button
            className="button quiet small"
            onPress={() => onChange(ranges.filter((_, k) => k !== n))}
          >
            {t("admin.lab.range.remove", { n: n + 1, parameter })}
          </Button>
        </div>
      ))}
      <Button className="button small" onPress={() => onChange([...ranges, emptyRange()])}>
        {t("admin.lab.range.add", { parameter })}
      </Button>
    </div>
  );
}
