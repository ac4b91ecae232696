// One parameter's released values over time, loaded only when a trend is asked for
// (recharts stays out of the first download): the values as a line, the reference limits
// that applied at each collection as dashed steps. Hidden from assistive technology, which
// reads the same values from the table beside it.
import {
  CartesianGrid,
  Line,
  LineChart,
  ResponsiveContainer,
  Tooltip,
  XAxis,
  YAxis,
} from "recharts";
import { useI18n } from "../../i18n";

export interface ChartPoint {
  when: string;
  value?: number;
  low?: number;
  high?: number;
}

export default function LabTrendChart({ points, name }: { points: ChartPoint[]; name: string }) {
  const { t } = useI18n();
  return (
    <div className="chart-box" aria-hidden="true" data-trend-chart>
      <ResponsiveContainer width="100%" height={200}>
        <LineChart
          data={points}
          margin={{ top: 8, right: 8, bottom: 8, left: 0 }}
          accessibilityLayer={false}
        >
          <CartesianGrid strokeDasharray="3 3" />
          <XAxis dataKey="when" tick={{ fontSize: 10 }} />
          <YAxis width={48} domain={["auto", "auto"]} />
          <Tooltip />
          <Line
            type="stepAfter"
            dataKey="low"
            name={t("lab.range")}
            stroke="#2e7d32"
            strokeDasharray="4 4"
            dot={false}
            connectNulls
            isAnimationActive={false}
          />
          <Line
            type="stepAfter"
            dataKey="high"
            name={t("lab.range")}
            stroke="#2e7d32"
            strokeDasharray="4 4"
            dot={false}
            connectNulls
            isAnimationActive={false}
          />
          <Line
            type="monotone"
            dataKey="value"
            name={name}
            stroke="#1f4e79"
            connectNulls
            isAnimationActive={false}
          />
        </LineChart>
      </ResponsiveContainer>
    </div>
  );
}
