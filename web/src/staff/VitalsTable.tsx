// Sets of vital signs as a table, newest first: the nurse's just recorded ones, an encounter's,
// and the chart's latest readings.
import type { VitalSigns } from "@hms/sdk/hms/ehr/v1/ehr_pb";
import { useI18n } from "../i18n";
import { formatDateTime, locale } from "../format";
import { useClinicZone } from "../format/zone";
import "./vitals.css";

export function VitalsTable({ readings, caption }: { readings: VitalSigns[]; caption: string }) {
  const { t, lang } = useI18n();
  const zone = useClinicZone();
  const number = new Intl.NumberFormat(locale(lang), { maximumFractionDigits: 1 });
  const show = (v: number | undefined) => (v === undefined ? "—" : number.format(v));
  return (
    // Wider than a phone: the region scrolls, so it takes the keyboard's focus too (axe's
    // scrollable-region-focusable).
    // eslint-disable-next-line jsx-a11y/no-noninteractive-tabindex
    <div className="table-wrap" role="region" aria-label={caption} tabIndex={0}>
      <table className="table vitals-table">
        <caption>{caption}</caption>
        <thead>
          <tr>
            <th scope="col">{t("vitals.when")}</th>
            <th scope="col">{t("vitals.temperature")} (°C)</th>
            <th scope="col">{t("vitals.heartRate")} (/min)</th>
            <th scope="col">{t("vitals.bloodPressure")} (mmHg)</th>
            <th scope="col">{t("vitals.respiratoryRate")} (/min)</th>
            <th scope="col">{t("vitals.spo2")} (%)</th>
            <th scope="col">{t("vitals.weight")} (kg)</th>
            <th scope="col">{t("vitals.height")} (cm)</th>
          </tr>
        </thead>
        <tbody>
          {readings.map((v) => (
            <tr key={v.vitalId}>
              <td>{v.measureTime ? formatDateTime(v.measureTime, zone, lang) : ""}</td>
              <td>{show(v.temperatureCelsius)}</td>
              <td>{show(v.heartRate)}</td>
              <td>
                {v.systolicBp !== undefined && v.diastolicBp !== undefined
                  ? `${String(v.systolicBp)}/${String(v.diastolicBp)}`
                  : "—"}
              </td>
              <td>{show(v.respiratoryRate)}</td>
              <td>{show(v.spo2Percent)}</td>
              <td>{show(v.weightKg)}</td>
              <td>{show(v.heightCm)}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
