// Enum values from the strings selects give back, without unchecked casts.

/** The numeric values of a generated enum. */
export function enumValues<E extends number>(e: Record<string, string | E>): E[] {
  return Object.values(e).filter((v): v is E => typeof v === "number");
}

/** The value of `e` whose number `text` spells, else `fallback`. */
export function parseEnum<E extends number>(
  e: Record<string, string | E>,
  text: string,
  fallback: E,
): E {
  return enumValues(e).find((v) => String(v) === text) ?? fallback;
}
