#!/usr/bin/env python3
"""Consistency check for the laboratory catalog TSV files in this directory.

Usage:  python3 check.py [DATA_DIR]

Exits 0 and prints a one-line summary when every rule holds; otherwise prints one
line per problem ("file:line: message") and exits 1. Standard library only.
See README.md for the rules being enforced.
"""
import os
import re
import sys

MAX_AGE_DAYS = 43830  # 120 years
SAMPLE_TYPES = {"BLOOD", "SERUM", "PLASMA", "URINE", "WHOLE_BLOOD"}
KINDS = {"QUANTITATIVE", "ORDINAL"}
SEXES = {"M", "F", "ANY"}
KEY_RE = re.compile(r"^#\s*\[([A-Za-z0-9][A-Za-z0-9_.-]*)\]")
LOINC_RE = re.compile(r"^(\d{1,7})-(\d)$")

COLUMNS = {
    "tests.tsv": ["code", "name", "sample_type", "turnaround_hours", "price", "currency",
                  "loinc_is_panel_code"],
    "parameters.tsv": ["test_code", "code", "name", "unit", "kind", "decimals", "display_order"],
    "ranges.tsv": ["parameter_code", "sex", "age_min_days", "age_max_days", "low", "high",
                   "critical_low", "critical_high", "source"],
    "ordinals.tsv": ["parameter_code", "allowed_values", "normal_values", "source"],
    "conversions.tsv": ["parameter_code", "unit", "factor", "offset", "source"],
}

errors = []


def err(fname, line, msg):
    errors.append("%s:%s: %s" % (fname, line, msg))


class Table:
    def __init__(self, fname, rows, keys):
        self.fname = fname
        self.rows = rows  # list of (line_no, dict)
        self.keys = keys  # source keys expanded in the header comment


def load(data_dir, fname):
    path = os.path.join(data_dir, fname)
    want = COLUMNS[fname]
    rows, keys = [], set()
    try:
        with open(path, encoding="utf-8", newline="") as f:
            lines = f.read().split("\n")
    except OSError as e:
        err(fname, 0, "cannot read file: %s" % e)
        return Table(fname, rows, keys)
    except UnicodeDecodeError as e:
        err(fname, 0, "not valid UTF-8: %s" % e)
        return Table(fname, rows, keys)
    header = None
    for no, raw in enumerate(lines, start=1):
        line = raw[:-1] if raw.endswith("\r") else raw
        if raw.endswith("\r"):
            err(fname, no, "CRLF line ending (use LF)")
        if line.startswith("#"):
            m = KEY_RE.match(line)
            if m:
                keys.add(m.group(1))
            continue
        if line.strip() == "":
            continue
        fields = line.split("\t")
        if header is None:
            header = fields
            missing = [c for c in want if c not in header]
            extra = [c for c in header if c not in want]
            if missing:
                err(fname, no, "missing column(s): %s" % ", ".join(missing))
            if extra:
                err(fname, no, "unexpected column(s): %s" % ", ".join(extra))
            if header != want and not missing and not extra:
                err(fname, no, "columns out of order; expected: %s" % " | ".join(want))
            if missing or extra:
                return Table(fname, rows, keys)
            continue
        if len(fields) != len(header):
            err(fname, no, "expected %d tab-separated fields, found %d" % (len(header), len(fields)))
            continue
        rec = dict(zip(header, fields))
        for k, v in rec.items():
            if v != v.strip():
                err(fname, no, "field %r has leading/trailing whitespace" % k)
        rows.append((no, rec))
    if header is None:
        err(fname, 0, "no header line")
    return Table(fname, rows, keys)


def parse_int(fname, no, field, value, minimum=None):
    try:
        if not re.fullmatch(r"-?\d+", value):
            raise ValueError
        n = int(value)
    except ValueError:
        err(fname, no, "%s: %r is not an integer" % (field, value))
        return None
    if minimum is not None and n < minimum:
        err(fname, no, "%s: %d is below %d" % (field, n, minimum))
        return None
    return n


def parse_num(fname, no, field, value, optional=False):
    if value == "":
        if optional:
            return None
        err(fname, no, "%s: value required" % field)
        return None
    if not re.fullmatch(r"-?\d+(\.\d+)?", value):
        err(fname, no, "%s: %r is not a plain decimal number" % (field, value))
        return None
    return float(value)


def loinc_check_digit(number):
    """LOINC mod-10 check digit (Luhn, rightmost digit of the base number doubled)."""
    total = 0
    for i, ch in enumerate(reversed(number)):
        d = int(ch)
        if i % 2 == 0:
            d *= 2
            if d > 9:
                d -= 9
        total += d
    return (10 - total % 10) % 10


def check_code(fname, no, field, code):
    if code.startswith("HMS-"):
        if not re.fullmatch(r"HMS-[A-Z0-9][A-Z0-9-]*", code):
            err(fname, no, "%s: local code %r must be HMS- followed by A-Z, 0-9, '-'" % (field, code))
        return
    m = LOINC_RE.match(code)
    if not m:
        err(fname, no, "%s: %r is neither a LOINC code (digits-checkdigit) nor an HMS- local code"
            % (field, code))
        return
    if loinc_check_digit(m.group(1)) != int(m.group(2)):
        err(fname, no, "%s: %r fails the LOINC mod-10 check digit (expected %s-%d)"
            % (field, code, m.group(1), loinc_check_digit(m.group(1))))


def check_sources(table, no, value):
    if value == "":
        err(table.fname, no, "source: empty")
        return
    for key in value.split("+"):
        if key not in table.keys:
            err(table.fname, no, "source key %r is not expanded in the header comment "
                "(expected a comment line '# [%s] ...')" % (key, key))


def main():
    data_dir = sys.argv[1] if len(sys.argv) > 1 else os.path.dirname(os.path.abspath(__file__))
    t = {name: load(data_dir, name) for name in COLUMNS}

    # ---- tests
    tests = {}
    for no, r in t["tests.tsv"].rows:
        f = "tests.tsv"
        code = r["code"]
        check_code(f, no, "code", code)
        if code in tests:
            err(f, no, "duplicate test code %r (first on line %d)" % (code, tests[code]))
        else:
            tests[code] = no
        if not r["name"]:
            err(f, no, "name: empty")
        if r["sample_type"] not in SAMPLE_TYPES:
            err(f, no, "sample_type %r not one of %s" % (r["sample_type"], sorted(SAMPLE_TYPES)))
        parse_int(f, no, "turnaround_hours", r["turnaround_hours"], minimum=1)
        parse_int(f, no, "price", r["price"], minimum=0)
        if r["currency"] != "VND":
            err(f, no, "currency %r must be VND" % r["currency"])
        if r["loinc_is_panel_code"] not in ("true", "false"):
            err(f, no, "loinc_is_panel_code %r must be true or false" % r["loinc_is_panel_code"])

    # ---- parameters
    params = {}  # code -> (line, unit, kind)
    orders = {}
    for no, r in t["parameters.tsv"].rows:
        f = "parameters.tsv"
        code = r["code"]
        check_code(f, no, "code", code)
        if code in params:
            err(f, no, "duplicate parameter code %r (first on line %d)" % (code, params[code][0]))
            continue
        if r["test_code"] not in tests:
            err(f, no, "test_code %r is not a code in tests.tsv" % r["test_code"])
        if not r["name"]:
            err(f, no, "name: empty")
        if not r["unit"] or " " in r["unit"]:
            err(f, no, "unit %r must be a non-empty UCUM code without spaces" % r["unit"])
        if r["kind"] not in KINDS:
            err(f, no, "kind %r not one of %s" % (r["kind"], sorted(KINDS)))
        if r["kind"] == "ORDINAL" and r["unit"] != "{ordinal}":
            err(f, no, "ORDINAL parameter must use unit {ordinal}, found %r" % r["unit"])
        if r["kind"] == "QUANTITATIVE" and r["unit"] == "{ordinal}":
            err(f, no, "QUANTITATIVE parameter cannot use unit {ordinal}")
        parse_int(f, no, "decimals", r["decimals"], minimum=0)
        order = parse_int(f, no, "display_order", r["display_order"], minimum=1)
        if order is not None:
            k = (r["test_code"], order)
            if k in orders:
                err(f, no, "display_order %d repeated within test %s (line %d)"
                    % (order, r["test_code"], orders[k]))
            orders[k] = no
        params[code] = (no, r["unit"], r["kind"])
    for tcode, tline in tests.items():
        if not any(tc == tcode for tc, _ in orders):
            err("tests.tsv", tline, "test %r has no parameters in parameters.tsv" % tcode)

    # ---- ranges
    bands = {}  # param -> list of (sex, a, b, line)
    for no, r in t["ranges.tsv"].rows:
        f = "ranges.tsv"
        pc = r["parameter_code"]
        check_sources(t[f], no, r["source"])
        if pc not in params:
            err(f, no, "parameter_code %r is not a code in parameters.tsv" % pc)
            continue
        kind = params[pc][2]
        if r["sex"] not in SEXES:
            err(f, no, "sex %r not one of M, F, ANY" % r["sex"])
            continue
        a = parse_int(f, no, "age_min_days", r["age_min_days"], minimum=0)
        b = parse_int(f, no, "age_max_days", r["age_max_days"], minimum=0)
        if a is None or b is None:
            continue
        if not a < b:
            err(f, no, "age band [%d, %d) is empty or reversed" % (a, b))
            continue
        if b > MAX_AGE_DAYS:
            err(f, no, "age_max_days %d exceeds %d" % (b, MAX_AGE_DAYS))
        names = ["critical_low", "low", "high", "critical_high"]
        vals = [parse_num(f, no, n, r[n], optional=True) for n in names]
        if kind == "ORDINAL":
            if any(r[n] != "" for n in names):
                err(f, no, "ORDINAL parameter %s: low/high/critical must be empty "
                    "(normal values belong in ordinals.tsv)" % pc)
        else:
            # critical_low < low <= high < critical_high, for every pair present
            for i in range(4):
                for j in range(i + 1, 4):
                    x, y = vals[i], vals[j]
                    if x is None or y is None:
                        continue
                    ok = x <= y if (names[i], names[j]) == ("low", "high") else x < y
                    if not ok:
                        rel = "<=" if (names[i], names[j]) == ("low", "high") else "<"
                        err(f, no, "ordering violated: %s (%s) must be %s %s (%s)"
                            % (names[i], r[names[i]], rel, names[j], r[names[j]]))
        bands.setdefault(pc, []).append((r["sex"], a, b, no))

    for pc, (pline, unit, kind) in params.items():
        rows = bands.get(pc, [])
        if kind != "QUANTITATIVE":
            continue
        if not rows:
            err("parameters.tsv", pline, "QUANTITATIVE parameter %s has no rows in ranges.tsv" % pc)
            continue
        for sex in ("M", "F"):
            sel = sorted((a, b, line) for s, a, b, line in rows if s in (sex, "ANY"))
            pos, prev_line = 0, None
            for a, b, line in sel:
                if a > pos:
                    err("ranges.tsv", line, "%s sex %s: gap [%d, %d) before this band" % (pc, sex, pos, a))
                elif a < pos:
                    err("ranges.tsv", line, "%s sex %s: band [%d, %d) overlaps the band on line %s"
                        % (pc, sex, a, b, prev_line))
                pos, prev_line = max(pos, b), line
            if pos != MAX_AGE_DAYS:
                err("ranges.tsv", sel[-1][2] if sel else 0,
                    "%s sex %s: bands end at %d, must reach %d" % (pc, sex, pos, MAX_AGE_DAYS))

    # ---- ordinals
    seen_ord = {}
    for no, r in t["ordinals.tsv"].rows:
        f = "ordinals.tsv"
        pc = r["parameter_code"]
        check_sources(t[f], no, r["source"])
        if pc not in params:
            err(f, no, "parameter_code %r is not a code in parameters.tsv" % pc)
            continue
        if params[pc][2] != "ORDINAL":
            err(f, no, "parameter %s is not ORDINAL" % pc)
        if pc in seen_ord:
            err(f, no, "duplicate ordinals row for %s (line %d)" % (pc, seen_ord[pc]))
        seen_ord[pc] = no
        allowed = r["allowed_values"].split(",")
        normal = r["normal_values"].split(",")
        if any(v.strip() != v or v == "" for v in allowed + normal):
            err(f, no, "empty value or stray whitespace in allowed_values/normal_values")
        if len(set(allowed)) != len(allowed):
            err(f, no, "allowed_values contains duplicates")
        for v in normal:
            if v not in allowed:
                err(f, no, "normal value %r is not among allowed_values" % v)
    for pc, (pline, unit, kind) in params.items():
        if kind == "ORDINAL" and pc not in seen_ord:
            err("parameters.tsv", pline, "ORDINAL parameter %s has no row in ordinals.tsv" % pc)

    # ---- conversions
    seen_conv = {}
    for no, r in t["conversions.tsv"].rows:
        f = "conversions.tsv"
        pc = r["parameter_code"]
        check_sources(t[f], no, r["source"])
        factor = parse_num(f, no, "factor", r["factor"])
        parse_num(f, no, "offset", r["offset"])
        if factor is not None and factor == 0:
            err(f, no, "factor must not be 0")
        if pc not in params:
            err(f, no, "parameter_code %r is not a code in parameters.tsv" % pc)
            continue
        if params[pc][2] != "QUANTITATIVE":
            err(f, no, "parameter %s is not QUANTITATIVE" % pc)
        if not r["unit"] or " " in r["unit"]:
            err(f, no, "unit %r must be a non-empty UCUM code without spaces" % r["unit"])
        if r["unit"] == params[pc][1]:
            err(f, no, "unit %r is the parameter's own unit" % r["unit"])
        k = (pc, r["unit"])
        if k in seen_conv:
            err(f, no, "duplicate conversion %s from %s (line %d)" % (pc, r["unit"], seen_conv[k]))
        seen_conv[k] = no

    if errors:
        for e in errors:
            print(e)
        print("FAILED: %d problem(s)" % len(errors), file=sys.stderr)
        return 1
    print("OK: %d tests, %d parameters, %d ranges, %d ordinals, %d conversions"
          % (len(t["tests.tsv"].rows), len(t["parameters.tsv"].rows), len(t["ranges.tsv"].rows),
             len(t["ordinals.tsv"].rows), len(t["conversions.tsv"].rows)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
