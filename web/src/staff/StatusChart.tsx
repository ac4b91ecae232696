// A bar chart of appointments by status with the utilisation, loaded only when a staff page
// shows it (recharts stays out of the first download). The drawing is hidden from assistive
// technology, which reads the same figures from a table instead.
import { Bar, BarChart, CartesianGrid, ResponsiveContainer, Tooltip, XAxis, YAxis } from "recharts";
import type { StatusCount } from "@hms/sdk/hms/appointment/v1/appointment_pb";
import { useI18n } from "../i18n";
import { locale } from "../format";
import { statusLabel } from "../roles/patient/appointments";

export default function StatusChart({
  counts,
  utilisationBp,
}: {
  counts: StatusCount[];
  utilisationBp: number;
}) {
  const { t, lang } = useI18n();
  const data = counts.map((c) => ({ name: t(statusLabel(c.status)), count: c.count }));
  const percent = new Intl.NumberFormat(locale(lang), {
    style: "percent",
    maximumFractionDigits: 1,
  }).format(utilisationBp / 10_000);
  return (
    <figure className="chart">
      <figcaption>
        {t("work.chart")} · {t("work.utilisation", { percent })}
      </figcaption>
      <div className="chart-box" aria-hidden="true">
        <ResponsiveContainer width="100%" height={220}>
          <BarChart
            data={data}
            margin={{ top: 8, right: 8, bottom: 8, left: 0 }}
            accessibilityLayer={false}
          >
            <CartesianGrid strokeDasharray="3 3" />
            <XAxis dataKey="name" tick={{ fontSize: 11 }} interval={0} />
            <YAxis allowDecimals={false} width={32} />
            <Tooltip />
            <Bar dataKey="count" fill="#1d6f8a" />
          </BarChart>
        </ResponsiveContainer>
      </div>
      <table className="sr-only">
        <tbody>
          {data.map((d) => (
            <tr key={d.name}>
              <th scope="row">{d.name}</th>
              <td>{d.count}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </figure>
  );
}
