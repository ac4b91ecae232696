// The dashboard's figures shaped for its charts and tiles: appointments by status for the
// day and the week side by side, money per currency in major units, tiles that failed.
import {
  AppointmentStatus,
  type AppointmentPeriodStats,
} from "@hms/sdk/hms/appointment/v1/appointment_pb";
import type { BillingStats, CurrencyAmount } from "@hms/sdk/hms/billing/v1/billing_pb";
import { ClaimStatus } from "@hms/sdk/hms/billing/v1/billing_pb";
import type { TileStatus } from "@hms/sdk/hms/admin/v1/admin_pb";
import { minorDigits } from "../../format";
import { enumValues } from "./enums";

export interface StatusRow {
  status: AppointmentStatus;
  today: number;
  week: number;
}

/** One row per known status (in the lifecycle's order), zero where a period has none. */
export function statusRows(
  today: AppointmentPeriodStats | undefined,
  week: AppointmentPeriodStats | undefined,
): StatusRow[] {
  const count = (p: AppointmentPeriodStats | undefined, status: AppointmentStatus) =>
    p?.counts.filter((c) => c.status === status).reduce((n, c) => n + c.count, 0) ?? 0;
  return enumValues(AppointmentStatus)
    .filter((v) => v !== AppointmentStatus.UNSPECIFIED)
    .sort((a, b) => a - b)
    .map((status) => ({ status, today: count(today, status), week: count(week, status) }));
}

export type MoneyKey = "revenueToday" | "revenueWeek" | "outstanding" | "overdue";
export const MONEY_KEYS: MoneyKey[] = ["revenueToday", "revenueWeek", "outstanding", "overdue"];

export interface CurrencySeries {
  currency: string;
  /** Minor units by figure; 0 where the currency has none. */
  minor: Record<MoneyKey, bigint>;
  /** How many payments or invoices make each sum. */
  count: Record<MoneyKey, number>;
}

/** The billing sums grouped by currency, VND first, then alphabetically. */
export function moneyByCurrency(stats: BillingStats | undefined): CurrencySeries[] {
  if (!stats) return [];
  const series = new Map<string, CurrencySeries>();
  const add = (key: MoneyKey, amounts: CurrencyAmount[]) => {
    for (const a of amounts) {
      const currency = a.currency || "VND";
      let s = series.get(currency);
      if (!s) {
        s = {
          currency,
          minor: { revenueToday: 0n, revenueWeek: 0n, outstanding: 0n, overdue: 0n },
          count: { revenueToday: 0, revenueWeek: 0, outstanding: 0, overdue: 0 },
        };
        series.set(currency, s);
      }
      s.minor[key] += a.amount;
      s.count[key] += Number(a.count);
    }
  };
  add("revenueToday", stats.revenueToday);
  add("revenueWeek", stats.revenueWeek);
  add("outstanding", stats.outstanding);
  add("overdue", stats.overdue);
  return [...series.values()].sort((a, b) =>
    a.currency === "VND" ? -1 : b.currency === "VND" ? 1 : a.currency.localeCompare(b.currency),
  );
}

/** Minor units as a number of major units for a chart axis (12345 USD cents → 123.45). */
export function toMajor(minor: bigint, currency: string): number {
  return Number(minor) / 10 ** minorDigits(currency);
}

export interface ClaimRow {
  status: ClaimStatus;
  count: number;
}

/** Claims by status without the unspecified one, in the enum's order. */
export function claimRows(stats: BillingStats | undefined): ClaimRow[] {
  return (stats?.claims ?? [])
    .filter((c) => c.status !== ClaimStatus.UNSPECIFIED)
    .map((c) => ({ status: c.status, count: Number(c.count) }))
    .sort((a, b) => a.status - b.status);
}

/** Why a tile has no figures: its error code, or undefined when it has them. */
export function tileFailure(status: TileStatus | undefined): string | undefined {
  if (!status) return "UNAVAILABLE";
  return status.errorCode || undefined;
}

/** Utilisation in basis points as a fraction (10000 → 1). */
export function utilisation(bp: number | undefined): number {
  return (bp ?? 0) / 10_000;
}
