# Loads a metrics export the way an analyst would, with Python's own csv and json modules (strict JSON:
# NaN/Infinity rejected), and prints a JSON summary: header, row count, distinct steps, the wanted rows.
# Usage: python3 load-export.py csv|ndjson FILE [STEPS]  (STEPS: comma-separated steps whose rows to print)
import csv
import json
import sys

kind, path = sys.argv[1], sys.argv[2]


def reject(name):
    raise ValueError(f"not JSON: {name}")


wanted = {int(s) for s in sys.argv[3].split(",")} if len(sys.argv) > 3 and sys.argv[3] else set()
with open(path, newline="", encoding="utf-8") as f:
    if kind == "csv":
        reader = csv.DictReader(f)
        rows = list(reader)
        header = reader.fieldnames
    elif kind == "ndjson":
        rows = [json.loads(line, parse_constant=reject) for line in f if line.strip() != ""]
        header = list(rows[0].keys()) if rows else []
    else:
        raise SystemExit(f"unknown kind {kind}")


def number(v):
    """A CSV cell or JSON value as a float (None when empty or null; ±inf as the string "inf"/"-inf")."""
    if v is None or v == "":
        return None
    x = float(v)
    return str(x) if abs(x) == float("inf") else x


print(
    json.dumps(
        {
            "header": header,
            "rows": len(rows),
            "steps": sorted({int(r["step"]) for r in rows}),
            # The wanted rows as Python reads them.
            "picked": [{k: number(v) for k, v in r.items()} for r in rows if int(r["step"]) in wanted],
        }
    )
)
