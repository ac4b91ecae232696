// System configuration values as the admin reads and types them: text, an integer within
// the key's bounds, or a list of durations ("24h, 2h").
import type { MessageInitShape } from "@bufbuild/protobuf";
import {
  ConfigurationType,
  type ConfigurationValue,
  type ConfigurationValueSchema,
  type SystemConfiguration,
} from "@hms/sdk/hms/admin/v1/admin_pb";

export function valueText(value: ConfigurationValue | undefined): string {
  switch (value?.kind.case) {
    case "text":
      return value.kind.value;
    case "integer":
      return value.kind.value.toString();
    case "durations":
      return value.kind.value.values.join(", ");
    default:
      return "";
  }
}

export type ValueProblem = "required" | "integer" | "belowMinimum" | "aboveMaximum" | "tooMany";

export type ParsedValue =
  | { ok: true; value: MessageInitShape<typeof ConfigurationValueSchema> }
  | { ok: false; problem: ValueProblem };

/** The typed value of `text` for a key; bounds of integers and list lengths are checked here
 * too, so the admin hears at once (the service checks again, and the rest). */
export function parseValue(
  config: Pick<SystemConfiguration, "type" | "minimum" | "maximum" | "maxItems">,
  text: string,
): ParsedValue {
  const s = text.trim();
  switch (config.type) {
    case ConfigurationType.INTEGER: {
      if (!/^[-+]?\d+$/.test(s)) return { ok: false, problem: s ? "integer" : "required" };
      const n = BigInt(s);
      if (config.minimum !== config.maximum || config.maximum !== 0n) {
        if (n < config.minimum) return { ok: false, problem: "belowMinimum" };
        if (n > config.maximum) return { ok: false, problem: "aboveMaximum" };
      }
      return { ok: true, value: { kind: { case: "integer", value: n } } };
    }
    case ConfigurationType.DURATION_LIST: {
      const values = s
        .split(/[,;\n]/)
        .map((v) => v.trim())
        .filter(Boolean);
      if (values.length === 0) return { ok: false, problem: "required" };
      if (config.maxItems > 0 && values.length > config.maxItems)
        return { ok: false, problem: "tooMany" };
      return { ok: true, value: { kind: { case: "durations", value: { values } } } };
    }
    default:
      if (!s && config.type === ConfigurationType.TIME_ZONE)
        return { ok: false, problem: "required" };
      return { ok: true, value: { kind: { case: "text", value: text } } };
  }
}

/** Whether the effective value is the default (nothing stored, or the same value). */
export function isDefault(config: SystemConfiguration): boolean {
  return config.version === 0n || valueText(config.value) === valueText(config.defaultValue);
}
