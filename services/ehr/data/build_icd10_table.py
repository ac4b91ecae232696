#!/usr/bin/env python3
"""Builds icd10_common.tsv, the EHR's table of common outpatient ICD-10 codes.

Input: icd10_curated.txt (beside this script): one code a line with its
Vietnamese title ("E11.9|Đái tháo đường típ 2 ..."), '#' lines are section
comments. The English titles are ICD-10-CM's (public domain, CMS/NCHS), read
from the tabular XML that the PyPI package simple-icd-10-cm ships:

    pip download simple-icd-10-cm==1.5.0 --no-deps -d /tmp/icd
    unzip -o /tmp/icd/simple_icd_10_cm-1.5.0-py3-none-any.whl -d /tmp/icd
    python3 services/ehr/data/build_icd10_table.py \
        /tmp/icd/simple_icd_10_cm/data/icd10c-tabular-April-1-2026.xml

A code missing from the classification stops the build.
"""

import sys
import xml.etree.ElementTree as ET
from pathlib import Path

HERE = Path(__file__).resolve().parent
PACKAGE = "simple-icd-10-cm 1.5.0 (PyPI)"


def main(xml_path: str) -> None:
    root = ET.parse(xml_path).getroot()
    edition = root.findtext("version")
    titles, seventh = {}, {}

    def walk(diag, extensions):
        name, desc = diag.findtext("name"), diag.findtext("desc")
        defs = diag.find("sevenChrDef")
        if defs is not None:
            extensions = {e.get("char"): " ".join(e.text.split()) for e in defs.iter("extension")}
        if name and desc:
            titles[name] = " ".join(desc.split())
            seventh[name] = extensions
        for child in diag.findall("diag"):
            walk(child, extensions)

    for section in root.iter("section"):
        for diag in section.findall("diag"):
            walk(diag, {})
    # Codes of seven characters (S93.401A): the title of the code before the
    # 7th character (placeholder X's dropped) and the meaning of that character.
    def title_of(code):
        if code in titles:
            return titles[code]
        if len(code.replace(".", "")) == 7:
            base, char = code[:-1].rstrip("X").rstrip("."), code[-1]
            meaning = seventh.get(base, {}).get(char)
            if base in titles and meaning:
                return f"{titles[base]}, {meaning}"
        return None
    rows, missing, seen = [], [], set()
    for line in (HERE / "icd10_curated.txt").read_text(encoding="utf-8").splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        code, _, vi = line.partition("|")
        code = code.strip()
        if code in seen:
            continue
        seen.add(code)
        title = title_of(code)
        if title is None:
            missing.append(code)
            continue
        rows.append((code, title, vi.strip()))
    if missing:
        sys.exit(f"not in ICD-10-CM {edition}: {', '.join(missing)}")
    out = [
        "# Common outpatient ICD-10 codes for HMS's diagnosis code search (EhrService.SearchDiagnosisCodes).",
        f"# Source of code and title: ICD-10-CM FY{edition} tabular list, April 1, {edition} (CMS/NCHS, public domain),",
        f"# as shipped in the package {PACKAGE}: simple_icd_10_cm/data/icd10c-tabular-April-1-{edition}.xml.",
        "# Vietnamese titles (title_vi): translated for HMS from the English titles; not the official",
        "# Vietnamese ICD-10 of the Ministry of Health. Regenerate with build_icd10_table.py.",
        f"# edition\tICD-10-CM April 1, {edition}",
        "# code\ttitle\ttitle_vi",
    ]
    out += ["\t".join(r) for r in rows]
    (HERE / "icd10_common.tsv").write_text("\n".join(out) + "\n", encoding="utf-8")
    print(f"{len(rows)} codes")


if __name__ == "__main__":
    main(sys.argv[1])
