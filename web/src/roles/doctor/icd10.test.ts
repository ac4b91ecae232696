import { describe, expect, it } from "vitest";
import { codeLabel, codeTitle, diagnosisFrom, icd10Form, searchQuery, uniqueCodes } from "./icd10";

const j069 = {
  code: "J06.9",
  title: "Acute upper respiratory infection, unspecified",
  titleVi: "Nhiễm trùng đường hô hấp trên cấp, không xác định",
};

describe("ICD-10 lookup", () => {
  it("searches once a query has two characters, blanks collapsed", () => {
    expect(searchQuery("  j ")).toBe("");
    expect(searchQuery("J0")).toBe("J0");
    expect(searchQuery("  sore   throat ")).toBe("sore throat");
    expect(searchQuery("..")).toBe("");
    expect(searchQuery("ho")).toBe("ho");
    expect(searchQuery("a".repeat(150))).toHaveLength(100);
  });

  it("reads a code in the person's language, English where Vietnamese is missing", () => {
    expect(codeTitle(j069, "vi")).toBe(j069.titleVi);
    expect(codeTitle(j069, "en")).toBe(j069.title);
    expect(codeTitle({ ...j069, titleVi: "" }, "vi")).toBe(j069.title);
    expect(codeLabel(j069, "en")).toBe("J06.9 — Acute upper respiratory infection, unspecified");
  });

  it("keeps the service's order without repeats, up to a limit", () => {
    const codes = [{ code: "I10" }, { code: "E11.9" }, { code: "I10" }, { code: "J00" }];
    expect(uniqueCodes(codes).map((c) => c.code)).toEqual(["I10", "E11.9", "J00"]);
    expect(uniqueCodes(codes, 2).map((c) => c.code)).toEqual(["I10", "E11.9"]);
  });

  it("makes a diagnosis of a chosen code", () => {
    expect(diagnosisFrom(j069, "vi")).toEqual({ icd10Code: "J06.9", description: j069.titleVi });
  });

  it("checks a code typed by hand in the EHR's form", () => {
    expect(icd10Form(" e11.9 ")).toBe("E11.9");
    expect(icd10Form("S72.001A")).toBe("S72.001A");
    expect(icd10Form("C4A")).toBe("C4A");
    for (const bad of ["", "R5", "51R", "R51.", "R51.12345", "R5.1"]) {
      expect(icd10Form(bad)).toBeUndefined();
    }
  });
});
