#!/usr/bin/env python3
"""Validate the pharmacy data tables: catalog.tsv and interactions.tsv.

Usage: python3 check_tables.py [DATA_DIR]   (default: this script's directory)

Standard library only. Prints every problem found and exits 1 if there is any,
otherwise prints a one-line summary and exits 0.
"""

import os
import re
import sys

CATALOG_COLUMNS = [
    "code", "name", "generic_name", "classes", "ingredients", "manufacturer",
    "dosage_form", "strength", "unit_price_vnd", "reorder_level",
]
INTERACTION_COLUMNS = ["a", "b", "severity", "description", "source"]
DOSAGE_FORMS = {
    "TABLET", "CAPSULE", "SYRUP", "SUSPENSION", "INJECTION", "CREAM",
    "OINTMENT", "INHALER", "DROPS", "SOLUTION", "POWDER",
}
SEVERITIES = {"CONTRAINDICATED", "MAJOR", "MODERATE"}

CODE_RE = re.compile(r"^[A-Z0-9]{3,16}$")
CLASS_RE = re.compile(r"^[a-z][a-z0-9]*(_[a-z0-9]+)*$")
INGREDIENT_RE = re.compile(r"^[a-z][a-z0-9 ,'()-]*[a-z0-9)]$")
INT_RE = re.compile(r"^[0-9]+$")
SIDE_RE = re.compile(r"^(ingredient|class):(.+)$")


class Problems:
    def __init__(self):
        self.items = []

    def add(self, path, line_no, message):
        self.items.append(f"{os.path.basename(path)}:{line_no}: {message}")


def read_table(path, columns, problems):
    """Return [(line_no, fields)] for the data rows of a commented TSV file."""
    try:
        with open(path, "rb") as f:
            raw = f.read()
    except OSError as e:
        problems.add(path, 0, f"cannot read: {e}")
        return []
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as e:
        problems.add(path, 0, f"not valid UTF-8: {e}")
        return []
    if text.startswith("\ufeff"):
        problems.add(path, 1, "starts with a byte-order mark")
    if "\r" in text:
        problems.add(path, 0, "contains carriage returns (use LF line endings)")

    rows = []
    header_seen = False
    comments_before_header = 0
    for line_no, line in enumerate(text.split("\n"), start=1):
        if line == "":
            continue
        if line.startswith("#"):
            if line.startswith("# columns:"):
                if header_seen:
                    problems.add(path, line_no, "second '# columns:' line")
                header_seen = True
                got = line[len("# columns:"):].strip().split("\t")
                if got != columns:
                    problems.add(path, line_no,
                                 f"columns are {got}, expected {columns}")
            elif not header_seen:
                comments_before_header += 1
            continue
        if not header_seen:
            problems.add(path, line_no, "data row before the '# columns:' line")
            continue
        fields = line.split("\t")
        if len(fields) != len(columns):
            problems.add(path, line_no,
                         f"{len(fields)} columns, expected {len(columns)}")
            continue
        bad = False
        for name, value in zip(columns, fields):
            if value == "":
                problems.add(path, line_no, f"empty {name}")
                bad = True
            elif value != value.strip():
                problems.add(path, line_no, f"{name} has surrounding spaces")
                bad = True
        if not bad:
            rows.append((line_no, fields))
    if not header_seen:
        problems.add(path, 0, "no '# columns:' line")
    if comments_before_header == 0:
        problems.add(path, 1, "no comment lines naming the sources before '# columns:'")
    return rows


def check_catalog(path, problems):
    rows = read_table(path, CATALOG_COLUMNS, problems)
    codes = {}
    ingredients = set()
    classes = set()
    for line_no, f in rows:
        rec = dict(zip(CATALOG_COLUMNS, f))
        code = rec["code"]
        if not CODE_RE.match(code):
            problems.add(path, line_no, f"code {code!r} is not [A-Z0-9]{{3,16}}")
        if code in codes:
            problems.add(path, line_no, f"code {code} already used on line {codes[code]}")
        else:
            codes[code] = line_no

        if rec["generic_name"] != rec["generic_name"].lower():
            problems.add(path, line_no, f"generic_name {rec['generic_name']!r} is not lower-case")

        row_classes = rec["classes"].split("|")
        for c in row_classes:
            if not CLASS_RE.match(c):
                problems.add(path, line_no, f"class {c!r} is not lower_snake_case")
        if len(set(row_classes)) != len(row_classes):
            problems.add(path, line_no, "a class is repeated")
        classes.update(row_classes)

        row_ingredients = rec["ingredients"].split("|")
        for i in row_ingredients:
            if not INGREDIENT_RE.match(i):
                problems.add(path, line_no, f"ingredient {i!r} is not a lower-case name")
        if len(set(row_ingredients)) != len(row_ingredients):
            problems.add(path, line_no, "an ingredient is repeated")
        ingredients.update(row_ingredients)

        if " + " in rec["generic_name"]:
            parts = rec["generic_name"].split(" + ")
            if parts != row_ingredients:
                problems.add(path, line_no,
                             f"generic_name parts {parts} differ from ingredients {row_ingredients}")
        elif len(row_ingredients) == 1 and row_ingredients[0] != rec["generic_name"]:
            problems.add(path, line_no,
                         f"single ingredient {row_ingredients[0]!r} differs from generic_name {rec['generic_name']!r}")

        if rec["dosage_form"] not in DOSAGE_FORMS:
            problems.add(path, line_no, f"dosage_form {rec['dosage_form']!r} not in {sorted(DOSAGE_FORMS)}")

        for col in ("unit_price_vnd", "reorder_level"):
            v = rec[col]
            if not INT_RE.match(v):
                problems.add(path, line_no, f"{col} {v!r} is not a non-negative integer")
            elif int(v) <= 0:
                problems.add(path, line_no, f"{col} must be positive")
    if not rows:
        problems.add(path, 0, "no data rows")
    return rows, ingredients, classes


def check_interactions(path, ingredients, classes, problems):
    rows = read_table(path, INTERACTION_COLUMNS, problems)
    pairs = {}
    for line_no, f in rows:
        rec = dict(zip(INTERACTION_COLUMNS, f))
        for side in ("a", "b"):
            m = SIDE_RE.match(rec[side])
            if not m:
                problems.add(path, line_no,
                             f"{side} {rec[side]!r} is not ingredient:<name> or class:<name>")
                continue
            kind, name = m.groups()
            known = ingredients if kind == "ingredient" else classes
            if name not in known:
                problems.add(path, line_no,
                             f"{side} {rec[side]!r} matches no catalog {kind}")
        if rec["a"] == rec["b"]:
            problems.add(path, line_no, "a and b are the same")
        key = frozenset((rec["a"], rec["b"]))
        if key in pairs:
            problems.add(path, line_no, f"pair already listed on line {pairs[key]}")
        else:
            pairs[key] = line_no
        if rec["severity"] not in SEVERITIES:
            problems.add(path, line_no, f"severity {rec['severity']!r} not in {sorted(SEVERITIES)}")
    if not rows:
        problems.add(path, 0, "no data rows")
    return rows


def main(argv):
    data_dir = argv[1] if len(argv) > 1 else os.path.dirname(os.path.abspath(__file__))
    problems = Problems()
    catalog, ingredients, classes = check_catalog(os.path.join(data_dir, "catalog.tsv"), problems)
    interactions = check_interactions(os.path.join(data_dir, "interactions.tsv"),
                                      ingredients, classes, problems)
    if problems.items:
        for p in problems.items:
            print(p, file=sys.stderr)
        print(f"FAILED: {len(problems.items)} problem(s)", file=sys.stderr)
        return 1
    print(f"OK: {len(catalog)} catalog rows ({len(ingredients)} ingredients, "
          f"{len(classes)} classes), {len(interactions)} interaction rows")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
