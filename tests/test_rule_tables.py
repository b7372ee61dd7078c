"""The rule tables of bot/safety/tables/*.yaml (loaded by bot/safety/rules.py).

- The loaded tables are the Python tables they replaced, row for row: the same ids, in the same
  order, with the same pattern text and flags (a fingerprint of every row, made from the old
  bot/safety/rules.py before the move, is in tests/fixtures/rule_tables_fingerprint.json).
  When a rule is changed on purpose, regenerate it:
      .venv/bin/python tests/test_rule_tables.py --update
- Every row and named pattern compiles, and matches its `catch` example and not its `miss`
  example (both normalised first, as the screen reads a message).
"""

from __future__ import annotations

import hashlib
import json
import re
import sys
from pathlib import Path

import pytest
import yaml

from bot.safety import rules
from bot.safety.normalize import normalize

FINGERPRINT = Path(__file__).resolve().parent / "fixtures" / "rule_tables_fingerprint.json"


def dump(module) -> dict:
    """Every table, pattern, fragment and word list of the module as plain data."""
    out = {}
    for name, v in sorted(vars(module).items()):
        if isinstance(v, re.Pattern):
            out[name] = ["re", v.pattern, v.flags]
        elif isinstance(v, str) and name.upper() == name and not name.startswith("__"):
            out[name] = ["str", v]
        elif isinstance(v, frozenset):
            out[name] = ["frozenset", sorted(v)]
        elif isinstance(v, tuple) and v and isinstance(v[0], tuple):
            out[name] = ["tuple", [[x.pattern if isinstance(x, re.Pattern) else x for x in r]
                                   + ([r[1].flags] if isinstance(r[1], re.Pattern) else []) for r in v]]
    for own in ("PLACEHOLDER", "_PRIVATE"):  # the loader's own names
        out.pop(own, None)
    return out


def fingerprint(dumped: dict) -> dict:
    """A short digest per row (rule id, then a hash of the pattern text and flags)."""

    def h(x) -> str:
        return hashlib.sha256(json.dumps(x).encode()).hexdigest()[:16]

    out = {}
    for name, (kind, value, *flags) in sorted(dumped.items()):
        if kind == "tuple":
            out[name] = [f"{r[0]} {h(r[1:])}" for r in value]
        else:
            out[name] = h([value, *flags])
    return out


def test_tables_are_the_python_tables_they_replaced():
    want = json.loads(FINGERPRINT.read_text(encoding="utf-8"))
    got = fingerprint(dump(rules))
    assert sorted(got) == sorted(want)
    for name in want:
        assert got[name] == want[name], name


def _rows():
    """(file, name, row id, pattern, catch, miss) of every row and named pattern in the YAML."""
    out = []
    for path in sorted(rules.TABLES_DIR.glob("*.yaml")):
        for name, spec in yaml.safe_load(path.read_text(encoding="utf-8")).items():
            if "rows" in spec:
                out += [(path.stem, name, row, getattr(rules, name)[i][1]) for i, row in enumerate(spec["rows"])]
            elif "pattern" in spec and name != "fragments":
                out.append((path.stem, name, {"id": name, **spec}, getattr(rules, name)))
    return out


ROWS = _rows()


def test_every_row_compiles_and_names_only_known_fragments():
    loaded = rules.load()  # compiles every pattern; an unknown {fragment} raises
    assert len(ROWS) == sum(len(v) for v in loaded.values() if isinstance(v, tuple) and v
                            and isinstance(v[0][1], re.Pattern)) + sum(
        1 for v in loaded.values() if isinstance(v, re.Pattern))
    for _, _, _, pattern in ROWS:
        assert not rules.PLACEHOLDER.search(pattern.pattern), pattern.pattern[:80]


@pytest.mark.parametrize(("file", "name", "row", "pattern"), ROWS,
                         ids=[f"{name}:{i}:{row['id']}" for i, (_, name, row, _) in enumerate(ROWS)])
def test_row_catches_its_example_and_not_its_look_alike(file, name, row, pattern):
    assert row.get("catch") and row.get("miss"), f"{file}.yaml {name} {row['id']}: catch and miss are required"
    catches, misses = ([row[k]] if isinstance(row[k], str) else row[k] for k in ("catch", "miss"))
    for catch in catches:
        assert pattern.search(normalize(catch)), catch
    for miss in misses:
        assert not pattern.search(normalize(miss)), miss


if __name__ == "__main__" and sys.argv[1:] == ["--update"]:
    FINGERPRINT.write_text(json.dumps(fingerprint(dump(rules)), indent=1) + "\n", encoding="utf-8")
