// ICD-10 lookup results as the diagnosis form uses them: when a typed query is worth a
// search, how a code reads in the person's language, what a chosen code puts into a
// diagnosis, and whether a code typed by hand has the form the EHR accepts.
import type { DiagnosisCode } from "@hms/sdk/hms/ehr/v1/ehr_pb";
import type { Lang } from "../../i18n";

/** The query as sent: trimmed, inner blanks collapsed; "" when not worth a search yet. */
export function searchQuery(typed: string): string {
  const q = typed.trim().replace(/\s+/g, " ");
  if (q.length > 100) return q.slice(0, 100).trim();
  // One letter matches hundreds of codes: wait for a second character.
  return q.length >= 2 && /[\p{L}\p{N}]/u.test(q) ? q : "";
}

/** The code's title in the language (the English one where there is no Vietnamese). */
export function codeTitle(code: Pick<DiagnosisCode, "title" | "titleVi">, lang: Lang): string {
  return lang === "vi" && code.titleVi ? code.titleVi : code.title;
}

/** "J06.9 — Acute upper respiratory infection, unspecified". */
export function codeLabel(
  code: Pick<DiagnosisCode, "code" | "title" | "titleVi">,
  lang: Lang,
): string {
  return `${code.code} — ${codeTitle(code, lang)}`;
}

/** Results without repeats, in the service's order, at most `limit`. */
export function uniqueCodes<T extends { code: string }>(codes: T[], limit = 20): T[] {
  const seen = new Set<string>();
  const out: T[] = [];
  for (const c of codes) {
    if (seen.has(c.code)) continue;
    seen.add(c.code);
    out.push(c);
    if (out.length === limit) break;
  }
  return out;
}

/**
 * The EHR's form of an ICD-10 code, normalised (trimmed, upper case), or undefined: a letter,
 * a digit, a digit or letter, then optionally a dot and 1–4 digits or letters (E11.9, S72.001A).
 */
export function icd10Form(typed: string): string | undefined {
  const code = typed.trim().toUpperCase();
  return /^[A-Z][0-9][0-9A-Z](\.[0-9A-Z]{1,4})?$/.test(code) ? code : undefined;
}

/** The diagnosis a chosen code makes: the code and its title as the description. */
export function diagnosisFrom(
  code: Pick<DiagnosisCode, "code" | "title" | "titleVi">,
  lang: Lang,
): { icd10Code: string; description: string } {
  return { icd10Code: code.code, description: codeTitle(code, lang) };
}
