// What the admin screens share: a labelled native select (keyboard and screen readers know
// it without help), the pager of token-paged tables, role names, ids shown short and the
// clinic's instants.
import { useId, type ReactNode } from "react";
import { Button } from "react-aria-components";
import { timestampDate, type Timestamp } from "@bufbuild/protobuf/wkt";
import { Role } from "@hms/sdk/hms/common/v1/access_pb";
import { useI18n, type MessageKey } from "../../i18n";
import { formatDateTime } from "../../format";
import { useClinicZone } from "../../format/zone";
import type { Pager } from "./paging";

export interface Option {
  value: string;
  label: string;
}

export function SelectField({
  label,
  name,
  value,
  defaultValue,
  onChange,
  options,
  error,
  hint,
}: {
  label: string;
  name?: string;
  value?: string;
  defaultValue?: string;
  onChange?: (value: string) => void;
  options: Option[];
  /** The server's violation of this field. */
  error?: string | undefined;
  hint?: string;
}) {
  const id = useId();
  const described = [hint ? `${id}-hint` : "", error ? `${id}-error` : ""].filter(Boolean);
  return (
    <div className="field">
      <label htmlFor={id}>{label}</label>
      <select
        id={id}
        name={name}
        {...(value !== undefined ? { value } : { defaultValue })}
        onChange={(e) => onChange?.(e.target.value)}
        aria-invalid={error ? true : undefined}
        aria-describedby={described.length ? described.join(" ") : undefined}
      >
        {options.map((o) => (
          <option key={o.value} value={o.value}>
            {o.label}
          </option>
        ))}
      </select>
      {hint && (
        <span id={`${id}-hint`} slot="description">
          {hint}
        </span>
      )}
      {error && (
        <span id={`${id}-error`} className="field-error">
          {error}
        </span>
      )}
    </div>
  );
}

/** Previous / page n / next under a token-paged table. */
export function PagerControls({
  pager,
  nextToken,
  label,
}: {
  pager: Pager;
  nextToken: string | undefined;
  label: string;
}) {
  const { t } = useI18n();
  if (!pager.hasPrevious && !nextToken) return null;
  return (
    <nav className="pager" aria-label={label}>
      <Button className="button small" isDisabled={!pager.hasPrevious} onPress={pager.previous}>
        {t("admin.page.previous")}
      </Button>
      <span aria-live="polite">{t("admin.page.number", { page: pager.number })}</span>
      <Button
        className="button small"
        isDisabled={!nextToken}
        onPress={() => nextToken && pager.next(nextToken)}
      >
        {t("admin.page.next")}
      </Button>
    </nav>
  );
}

export const ROLES: { role: Role; label: MessageKey }[] = [
  { role: Role.PATIENT, label: "admin.role.PATIENT" },
  { role: Role.DOCTOR, label: "admin.role.DOCTOR" },
  { role: Role.NURSE, label: "admin.role.NURSE" },
  { role: Role.PHARMACIST, label: "admin.role.PHARMACIST" },
  { role: Role.LAB_TECHNICIAN, label: "admin.role.LAB_TECHNICIAN" },
  { role: Role.INSURANCE_PROVIDER, label: "admin.role.INSURANCE_PROVIDER" },
  { role: Role.ADMIN, label: "admin.role.ADMIN" },
];

export function roleLabel(role: Role): MessageKey {
  return ROLES.find((r) => r.role === role)?.label ?? "admin.role.UNSPECIFIED";
}

/** An id as a short code with the whole id as its title. */
export function ShortId({ id }: { id: string }) {
  if (!id) return null;
  // Opaque ids (UUIDs and the like) end in their distinctive part; names such as a
  // configuration key read whole.
  const opaque = /^[0-9a-f-]{20,}$/i.test(id);
  return <code title={id}>{opaque ? `…${id.slice(-8)}` : id}</code>;
}

/** An instant in the clinic's zone, as a <time>. */
export function When({ at }: { at: Timestamp | undefined }) {
  const { lang } = useI18n();
  const zone = useClinicZone();
  if (!at) return null;
  return <time dateTime={timestampDate(at).toISOString()}>{formatDateTime(at, zone, lang)}</time>;
}

/** A titled section of an admin screen. */
export function Panel({ title, children }: { title: string; children: ReactNode }) {
  return (
    <section className="panel" aria-label={title}>
      <h2>{title}</h2>
      {children}
    </section>
  );
}

/** "2026-12-08" from a date input → a google.type.Date; undefined when empty or malformed. */
export function parseDateInput(
  value: string,
): { year: number; month: number; day: number } | undefined {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(value.trim());
  if (!m) return undefined;
  return { year: Number(m[1]), month: Number(m[2]), day: Number(m[3]) };
}

/** "09:30" from a time input → hours and minutes; undefined when empty or malformed. */
export function parseTimeInput(value: string): { hours: number; minutes: number } | undefined {
  const m = /^(\d{1,2}):(\d{2})/.exec(value.trim());
  if (!m) return undefined;
  const hours = Number(m[1]);
  const minutes = Number(m[2]);
  if (hours > 24 || minutes > 59) return undefined;
  return { hours, minutes };
}

export function timeInput(t: { hours: number; minutes: number } | undefined): string {
  if (!t) return "";
  return `${String(t.hours).padStart(2, "0")}:${String(t.minutes).padStart(2, "0")}`;
}
