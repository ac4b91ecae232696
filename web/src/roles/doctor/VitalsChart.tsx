// Vital sign trends of a patient across encounters, loaded only when the chart shows them
// (recharts stays out of the first download). The drawing is hidden from assistive
// technology, which reads the same readings from the table beside it.
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
import { useI18n, type MessageKey } from "../../i18n";
import { formatDateTime } from "../../format";
import { useClinicZone } from "../../format/zone";
import type { TrendPoint } from "./trends";

interface Series {
  key: keyof TrendPoint;
  label: MessageKey;
  color: string;
}

const PANELS: { title: MessageKey; series: Series[] }[] = [
  {
    title: "chart.trendCirculation",
    series: [
      { key: "systolicBp", label: "vitals.systolic", color: "#b3261e" },
      { key: "diastolicBp", label: "vitals.diastolic", color: "#1d6f8a" },
      { key: "heartRate", label: "vitals.heartRate", color: "#6b4fa0" },
    ],
  },
  {
    title: "chart.trendTemperature",
    series: [{ key: "temperatureCelsius", label: "vitals.temperature", color: "#a35200" }],
  },
  {
    title: "chart.trendOxygen",
    series: [{ key: "spo2Percent", label: "vitals.spo2", color: "#1d6f8a" }],
  },
  {
    title: "chart.trendWeight",
    series: [{ key: "weightKg", label: "vitals.weight", color: "#2e7d32" }],
  },
];

export default function VitalsChart({ points }: { points: TrendPoint[] }) {
  const { t, lang } = useI18n();
  const zone = useClinicZone();
  const data = points.map((p) => ({ ...p, when: formatDateTime(new Date(p.at), zone, lang) }));
  return (
    <div className="trends" aria-hidden="true">
      {PANELS.filter((panel) =>
        panel.series.some((s) => points.some((p) => p[s.key] !== undefined)),
      ).map((panel) => (
        <figure key={panel.title} className="chart">
          <figcaption>{t(panel.title)}</figcaption>
          <div className="chart-box">
            <ResponsiveContainer width="100%" height={180}>
              <LineChart
                data={data}
                margin={{ top: 8, right: 8, bottom: 8, left: 0 }}
                accessibilityLayer={false}
              >
                <CartesianGrid strokeDasharray="3 3" />
                <XAxis dataKey="when" tick={{ fontSize: 10 }} />
                <YAxis width={44} domain={["auto", "auto"]} />
                <Tooltip />
                <Legend />
                {panel.series.map((s) => (
                  <Line
                    key={s.key}
                    type="monotone"
                    dataKey={s.key}
                    name={t(s.label)}
                    stroke={s.color}
                    connectNulls
                    isAnimationActive={false}
                  />
                ))}
              </LineChart>
            </ResponsiveContainer>
          </div>
        </figure>
      ))}
    </div>
  );
}
