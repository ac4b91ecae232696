// The accession number as a Code 128 barcode (JsBarcode draws it into an SVG) with the
// number printed under it, and a print of the label alone: the page's other parts are
// hidden while it prints (see laboratory.css, body.print-label).
import { useEffect, useRef } from "react";
import { Button } from "react-aria-components";
import JsBarcode from "jsbarcode";
import { useI18n } from "../i18n";

/** The Code 128 bars JsBarcode draws for `text` ("1" a dark module, "0" a light one). */
export function code128Modules(text: string): { modules: string; text: string } {
  const drawn: { encodings?: { data: string; text: string }[] } = {};
  JsBarcode(drawn, text, { format: "CODE128" });
  const encodings = drawn.encodings ?? [];
  return {
    modules: encodings.map((e) => e.data).join(""),
    text: encodings.map((e) => e.text).join(""),
  };
}

export function AccessionBarcode({ accession }: { accession: string }) {
  const { t } = useI18n();
  const svg = useRef<SVGSVGElement>(null);
  useEffect(() => {
    if (!svg.current) return;
    JsBarcode(svg.current, accession, {
      format: "CODE128",
      width: 2,
      height: 56,
      margin: 8,
      fontSize: 16,
      font: "monospace",
      displayValue: true,
    });
  }, [accession]);
  const print = () => {
    document.body.classList.add("print-label");
    const done = () => {
      document.body.classList.remove("print-label");
      window.removeEventListener("afterprint", done);
    };
    window.addEventListener("afterprint", done);
    window.print();
  };
  return (
    <div className="accession-label">
      <svg
        ref={svg}
        role="img"
        aria-label={t("lab.barcode", { accession })}
        data-barcode="code128"
      />
      <Button className="button small no-print" onPress={print}>
        {t("lab.barcode.print")}
      </Button>
    </div>
  );
}
