// A patient's trend of one parameter (LaboratoryService.ListParameterTrend, released values
// only, oldest first): a chart of the values against the limits that applied at each
// collection, and the same values as a table, each with its flag and range.
import { lazy, Suspense, useId } from "react";
import { Button } from "react-aria-components";
import { useQuery } from "@connectrpc/connect-query";
import { LaboratoryService, ResultStatus } from "@hms/sdk/hms/laboratory/v1/laboratory_pb";
import { useI18n } from "../../i18n";
import { formatDateTime, locale } from "../../format";
import { useClinicZone } from "../../format/zone";
import { Loading } from "../../components/Loading";
import { ProblemMessage } from "../../components/Problem";
import { FlagMark } from "../../laboratory/parts";
import { formatValue } from "../../laboratory/lab";

const LabTrendChart = lazy(() => import("./LabTrendChart"));

export function LabTrend({
  patientId,
  parameterCode,
  onClose,
}: {
  patientId: string;
  parameterCode: string;
  onClose: () => void;
}) {
  const { t, lang } = useI18n();
  const zone = useClinicZone();
  const id = useId();
  const trend = useQuery(LaboratoryService.method.listParameterTrend, { patientId, parameterCode });
  const data = trend.data;
  const points =
    data?.points.map((p) => ({
      ...p,
      when: p.collectTime ? formatDateTime(p.collectTime, zone, lang) : "",
    })) ?? [];
  return (
    <section className="card lab-trend" aria-labelledby={id} data-trend={parameterCode}>
      <div className="title-row">
        <h3 id={id}>
          {data ? t("mlab.trendTitle", { name: data.parameterName, unit: data.unit }) : ""}
        </h3>
        <Button className="button quiet small" onPress={onClose}>
          {t("app.back")}
        </Button>
      </div>
      <ProblemMessage error={trend.error} scope="lab.reason" />
      {trend.isPending && <Loading />}
      {data && points.length === 1 && <p className="meta">{t("mlab.trendOne")}</p>}
      {data && points.length > 1 && (
        <Suspense fallback={<Loading />}>
          <LabTrendChart
            name={data.parameterName}
            points={points.map((p) => ({
              when: p.when,
              value: p.value,
              low: p.rangeLow,
              high: p.rangeHigh,
            }))}
          />
        </Suspense>
      )}
      {data && points.length > 0 && (
        <div className="table-wrap">
          <table className="table lab-results">
            <caption className="sr-only">
              {t("mlab.trendTitle", { name: data.parameterName, unit: data.unit })}
            </caption>
            <thead>
              <tr>
                <th scope="col">{t("mlab.trendWhen")}</th>
                <th scope="col" className="num">
                  {t("lab.value")}
                </th>
                <th scope="col">{t("lab.range")}</th>
                <th scope="col">{t("lab.flag")}</th>
              </tr>
            </thead>
            <tbody>
              {[...points].reverse().map((p) => (
                <tr key={`${p.orderId}-${p.when}`} data-trend-point={p.orderId}>
                  <th scope="row">{p.when}</th>
                  <td className="num">
                    {p.value === undefined
                      ? p.scaleValue
                      : formatValue(p.value, data.decimals, locale(lang))}
                    {p.status === ResultStatus.AMENDED && (
                      <small className="meta"> ({t("mlab.trendAmended")})</small>
                    )}
                  </td>
                  <td>{p.referenceRange || "–"}</td>
                  <td>
                    <FlagMark flag={p.flag} />
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </section>
  );
}
