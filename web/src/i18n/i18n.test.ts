// The dictionaries: Vietnamese says everything English does, with the same placeholders,
// and the browser's language picks the first of ours it names.
import { describe, expect, it } from "vitest";
import { en, type MessageKey } from "./en";
import { vi } from "./vi";
import { browserLang, translator } from "./index";

const placeholders = (text: string) => [...text.matchAll(/\{(\w+)\}/g)].map((m) => m[1]).sort();

describe("dictionaries", () => {
  it("give every key a non-empty text with the same placeholders in both languages", () => {
    for (const key of Object.keys(en) as MessageKey[]) {
      expect(vi[key].trim(), key).not.toBe("");
      expect(placeholders(vi[key]), key).toEqual(placeholders(en[key]));
    }
  });

  it("fill in placeholders and leave unknown ones visible", () => {
    const t = translator("vi");
    expect(t("book.duration", { minutes: 30 })).toBe("30 phút");
    expect(t("book.duration")).toBe("{minutes} phút");
  });
});

describe("browserLang", () => {
  it("takes the first language of ours", () => {
    expect(browserLang(["fr-FR", "vi-VN", "en"])).toBe("vi");
    expect(browserLang(["en-US"])).toBe("en");
    expect(browserLang(["de"])).toBe("en");
  });
});
