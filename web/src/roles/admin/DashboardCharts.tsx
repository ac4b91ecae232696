// The dashboard's charts, loaded only when the dashboard shows (recharts stays out of the
// first download). Each drawing is hidden from assistive technology, which reads the same
// figures from the table under it.
import {
  Bar,
  BarChart,
  CartesianGrid,
  Legend,
  ResponsiveContainer,
  Tooltip,
  XAxis,
  YAxis,
} from "recharts";
import { useI18n } from "../../i18n";

export interface ChartSeries {
  key: string;
  label: string;
  color: string;
}

export interface ChartRow {
  name: string;
  [series: string]: string | number;
}

export default function DashboardChart({
  caption,
  rows,
  series,
  format,
}: {
  caption: string;
  rows: ChartRow[];
  series: ChartSeries[];
  /** How a value reads (money, counts); plain numbers when unset. */
  format?: (value: number) => string;
}) {
  const { t } = useI18n();
  const show = format ?? ((v: number) => String(v));
  // Bars lie across, so long status names read whole: a band of height per row.
  const height = Math.max(160, rows.length * series.length * 16 + rows.length * 10 + 60);
  return (
    <figure className="chart admin-chart">
      <figcaption>{caption}</figcaption>
      <div className="chart-box admin-chart-box" aria-hidden="true">
        <ResponsiveContainer width="100%" height={height}>
          <BarChart
            data={rows}
            layout="vertical"
            margin={{ top: 8, right: 16, bottom: 8, left: 8 }}
            accessibilityLayer={false}
          >
            <CartesianGrid strokeDasharray="3 3" />
            <XAxis type="number" allowDecimals={false} tickFormatter={(v: number) => show(v)} />
            <YAxis
              type="category"
              dataKey="name"
              width={150}
              tick={{ fontSize: 12 }}
              interval={0}
            />
            <Tooltip formatter={(v) => show(Number(v))} />
            {series.length > 1 && <Legend />}
            {series.map((s) => (
              <Bar key={s.key} dataKey={s.key} name={s.label} fill={s.color} />
            ))}
          </BarChart>
        </ResponsiveContainer>
      </div>
      <table className="sr-only">
        <caption>{caption}</caption>
        <thead>
          <tr>
            <th scope="col">{t("admin.dash.item")}</th>
            {series.map((s) => (
              <th key={s.key} scope="col">
                {s.label}
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          {rows.map((r) => (
            <tr key={r.name}>
              <th scope="row">{r.name}</th>
              {series.map((s) => (
                <td key={s.key}>{show(Number(r[s.key] ?? 0))}</td>
              ))}
            </tr>
          ))}
        </tbody>
      </table>
    </figure>
  );
}
