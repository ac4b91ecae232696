// Prices typed as people write them, in major units of the currency, to and from the
// minor units Money carries: VND has no minor digits ("150000" or "150.000" → 150000),
// USD two ("12.5" → 1250). Never through a float.
import { minorDigits } from "../../format";

export type ParsedAmount =
  { ok: true; minor: bigint } | { ok: false; problem: "format" | "digits" };

/**
 * Parses an amount in major units. Spaces and grouping marks are ignored: for a currency
 * without minor digits, "." and "," group thousands; for others the last "." or "," is the
 * decimal mark when at most `digits` digits follow it.
 */
export function parseAmount(text: string, currency: string): ParsedAmount {
  const digits = minorDigits(currency || "VND");
  const s = text.replace(/[\s\u00a0_']/g, "");
  if (!/^\d[\d.,]*$/.test(s)) return { ok: false, problem: "format" };
  let whole = s;
  let fraction = "";
  if (digits > 0) {
    const mark = Math.max(s.lastIndexOf("."), s.lastIndexOf(","));
    if (mark >= 0 && s.length - mark - 1 <= digits) {
      whole = s.slice(0, mark);
      fraction = s.slice(mark + 1);
    }
  }
  whole = whole.replace(/[.,]/g, "");
  if (whole === "" && fraction === "") return { ok: false, problem: "format" };
  if (/[.,]/.test(fraction) || fraction.length > digits) return { ok: false, problem: "digits" };
  const minor =
    BigInt(whole || "0") * 10n ** BigInt(digits) + BigInt(fraction.padEnd(digits, "0") || "0");
  return { ok: true, minor };
}

/** Minor units as the input shows them: "150000" (VND), "12.50" (USD). */
export function amountInput(minor: bigint, currency: string): string {
  const digits = minorDigits(currency || "VND");
  if (digits === 0) return minor.toString();
  const negative = minor < 0n;
  const abs = negative ? -minor : minor;
  const unit = 10n ** BigInt(digits);
  const whole = abs / unit;
  const fraction = (abs % unit).toString().padStart(digits, "0");
  return `${negative ? "-" : ""}${whole.toString()}.${fraction}`;
}
