// The trend of one vital sign over the patient's visits (blood pressure draws systolic and
// diastolic together), loaded only when the record page shows it so recharts stays out of
// the first download. The drawing is hidden from assistive technology; the page lists the
// same figures in a table.
import {
  CartesianGrid,
  Legend,
  Line,
  LineChart,
  ResponsiveContainer,
  Tooltip,
  XAxis,
  YAxis,
} from "recharts";
import { useI18n } from "../../i18n";
import { dayInZone, formatDateTime, formatDay, formatTime } from "../../format";
import { useClinicZone } from "../../format/zone";
import type { VitalKind, VitalPoint } from "./record";

export default function VitalsChart({ points, kind }: { points: VitalPoint[]; kind: VitalKind }) {
  const { t, lang } = useI18n();
  const zone = useClinicZone();
  const kinds: VitalKind[] = kind === "systolicBp" ? ["systolicBp", "diastolicBp"] : [kind];
  const data = points.filter((p) => kinds.some((k) => p[k] !== undefined));
  const colours = ["#1d6f8a", "#a8261b"];
  // Points within two days of each other are told apart by their time, others by their day.
  const span = (data.at(-1)?.at ?? 0) - (data[0]?.at ?? 0);
  const tick = (at: number) =>
    span < 2 * 86_400_000
      ? formatTime(new Date(at), zone, lang)
      : formatDay(dayInZone(new Date(at), zone), lang);
  return (
    <div className="chart-box" aria-hidden="true">
      <ResponsiveContainer width="100%" height={220}>
        <LineChart
          data={data}
          margin={{ top: 8, right: 12, bottom: 8, left: 0 }}
          accessibilityLayer={false}
        >
          <CartesianGrid strokeDasharray="3 3" />
          <XAxis
            dataKey="at"
            type="number"
            domain={["dataMin", "dataMax"]}
            scale="time"
            tick={{ fontSize: 11 }}
            tickFormatter={tick}
          />
          <YAxis width={40} domain={["auto", "auto"]} />
          <Tooltip labelFormatter={(at) => formatDateTime(new Date(Number(at)), zone, lang)} />
          {kinds.length > 1 && <Legend />}
          {kinds.map((k, i) => (
            <Line
              key={k}
              dataKey={k}
              name={t(`rec.vital.${k}`)}
              stroke={colours[i]}
              strokeWidth={2}
              dot
              connectNulls
              isAnimationActive={false}
            />
          ))}
        </LineChart>
      </ResponsiveContainer>
    </div>
  );
}
