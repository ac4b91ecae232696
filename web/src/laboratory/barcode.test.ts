// The accession number's barcode: Code 128 of exactly the number, framed by a start and
// the stop symbol, 11 modules a symbol (data and the check symbol).
import { describe, expect, it } from "vitest";
import { code128Modules } from "./Barcode";

const STARTS = ["11010000100", "11010010000", "11010011100"]; // A, B, C
const STOP = "1100011101011";

describe("accession barcode", () => {
  it("encodes the accession number itself in Code 128", () => {
    const { modules, text } = code128Modules("L261207-000042");
    expect(text).toBe("L261207-000042");
    expect(STARTS).toContain(modules.slice(0, 11));
    expect(modules.endsWith(STOP)).toBe(true);
    expect((modules.length - STOP.length) % 11).toBe(0);
    // Start, at least one symbol per two digits and one per other character, the check symbol.
    expect((modules.length - STOP.length) / 11).toBeGreaterThanOrEqual(1 + 7 + 2 + 1);
  });
  it("differs for different numbers", () => {
    expect(code128Modules("L261207-000042").modules).not.toBe(
      code128Modules("L261207-000043").modules,
    );
  });
});
