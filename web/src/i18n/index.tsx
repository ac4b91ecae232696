// The app's two languages: a typed `t(key, params)`, the current language in a context,
// and how a refused call reads as a sentence in it.
import { createContext, useContext, useEffect, useMemo, useState, type ReactNode } from "react";
import { Code } from "@connectrpc/connect";
import { en, type MessageKey } from "./en";
import { vi } from "./vi";
import type { Problem, FieldProblem } from "../api/errors";

export type Lang = "en" | "vi";
export type { MessageKey };
export type Params = Record<string, string | number>;
export type Translate = (key: MessageKey, params?: Params) => string;

const dictionaries: Record<Lang, Record<MessageKey, string>> = { en, vi };

export function isLang(value: string): value is Lang {
  return value === "en" || value === "vi";
}

export function isMessageKey(key: string): key is MessageKey {
  return Object.prototype.hasOwnProperty.call(en, key);
}

/** The browser's language when it is one of ours, else English. */
export function browserLang(languages: readonly string[]): Lang {
  for (const l of languages) {
    const base = l.toLowerCase().split("-")[0] ?? "";
    if (isLang(base)) return base;
  }
  return "en";
}

export function translator(lang: Lang): Translate {
  const dictionary = dictionaries[lang];
  return (key, params) => {
    const text = dictionary[key];
    if (!params) return text;
    return text.replace(/\{(\w+)\}/g, (whole, name: string) =>
      name in params ? String(params[name]) : whole,
    );
  };
}

/** One field violation as a sentence: field name and description translated when known. */
export function describeField(t: Translate, problem: FieldProblem): string {
  const fieldKey = `field.${problem.field}`;
  const descKey = `desc.${problem.description}`;
  return t("error.field", {
    field: isMessageKey(fieldKey) ? t(fieldKey) : problem.field,
    description: isMessageKey(descKey) ? t(descKey) : problem.description,
  });
}

/**
 * A refused call as one sentence: its reason code, else its gRPC code, else its message.
 * A `scope` (e.g. "rx.reason") names a screen's own sentences for reasons that other
 * services use too (INVALID_TRANSITION of a prescription is not an appointment's); they
 * are looked up first.
 */
export function describeProblem(t: Translate, problem: Problem, scope?: string): string {
  const scoped = scope ? `${scope}.${problem.reason}` : "";
  const reasonKey =
    problem.reason && scoped && isMessageKey(scoped) ? scoped : `reason.${problem.reason}`;
  if (problem.reason && isMessageKey(reasonKey)) {
    const params: Params = { ...problem.metadata };
    if (typeof params.field === "string") {
      const fieldKey = `field.${params.field}`;
      params.field = isMessageKey(fieldKey) ? t(fieldKey) : params.field;
    }
    return t(reasonKey, params);
  }
  if (problem.code === Code.InvalidArgument && problem.fields.length > 0) {
    return t("error.code.INVALID_ARGUMENT");
  }
  const codeKey = `error.code.${codeName(problem.code)}`;
  const sentence = isMessageKey(codeKey)
    ? t(codeKey)
    : t("error.generic", { message: problem.message });
  return problem.retryAfterSeconds
    ? `${sentence} ${t("error.retryAfter", { seconds: problem.retryAfterSeconds })}`
    : sentence;
}

function codeName(code: Code): string {
  // Code.ResourceExhausted → RESOURCE_EXHAUSTED
  return (Code[code] ?? "").replace(/([a-z])([A-Z])/g, "$1_$2").toUpperCase();
}

interface I18n {
  lang: Lang;
  t: Translate;
  setLang: (lang: Lang) => void;
}

const I18nContext = createContext<I18n | undefined>(undefined);

export function I18nProvider({ initial, children }: { initial: Lang; children: ReactNode }) {
  const [lang, setLang] = useState<Lang>(initial);
  const value = useMemo(() => ({ lang, setLang, t: translator(lang) }), [lang]);
  // Screen readers pick their voice from the document's language; the tab shows the title.
  useEffect(() => {
    document.documentElement.lang = lang;
    document.title = value.t("app.title");
  }, [lang, value]);
  return <I18nContext.Provider value={value}>{children}</I18nContext.Provider>;
}

export function useI18n(): I18n {
  const i18n = useContext(I18nContext);
  if (!i18n) throw new Error("useI18n outside I18nProvider");
  return i18n;
}
