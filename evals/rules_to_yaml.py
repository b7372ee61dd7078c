"""Port a Python rules module (the old bot/safety/rules.py format) into bot/safety/tables/*.yaml.

The tables moved from Python to YAML on 3 December 2026. If a branch still changed the old
Python tables after that, port its file instead of editing the YAML by hand:

    git show OTHER:bot/safety/rules.py > /tmp/old_rules.py
    .venv/bin/python -m evals.rules_to_yaml /tmp/old_rules.py
    .venv/bin/python tests/test_rule_tables.py --update     # the fingerprint of the new rows
    .venv/bin/python -m pytest -q tests/test_rule_tables.py tests/test_guard.py

Each row keeps the catch, miss and note of the row with the same table, id and pattern in the
current YAML; a new or changed row gets a catch mined from the team's sets (the shortest message
it matches) and a miss (the closest message, by shared content words, that it does not match,
from non-crisis items). A row nothing matches gets no catch: tests/test_rule_tables.py then
fails on it until someone writes one. The comment header of each file is kept. The file
assignment of each name and the fragment names are in FILES below. Never reads
../shared/data/crisis/ or evals/sets/real/test.jsonl.
"""

from __future__ import annotations

import argparse
import ast
import importlib.util
import io
import json
import re
import sys
import tokenize
from pathlib import Path

import yaml

from bot.safety import rules
from bot.safety.normalize import normalize

ROOT = Path(__file__).resolve().parent.parent
FRAGMENTS = ["PERSON", "ACTOR", "RECENT", "MED", "WEAPON", "LETHAL_THING", "HEIGHT", "PILL_WORD",
             "_HYPO_WHO", "_MEANS_STRONG", "_SESSION_WORD", "DIRECTIVE_VERB"]
FILES = {
    "vocabulary": FRAGMENTS,
    "masks": ["MASKS"],
    "past": ["PAST_MARK", "PAST_WELL", "PAST_RETURN", "PAST_TOPIC", "PAST_EVENT", "PAST_EVENT_NOW",
             "PAST_STILL_SYMPTOMS", "CLAUSE_SPLIT"],
    "crisis": ["FP", "FP_SUBJECT", "GENERIC_SUBJECT", "QUESTION_START", "THIRD_PERSON", "SPANISH_FP",
               "CRISIS_STRONG", "CRISIS_FP"],
    "cues": ["CUES", "CUES_ON_RAW", "COMBOS"],
    "signals": ["MEANS_STRONG", "MEANS_ANY", "DISTRESS", "SOFT_PASSIVE", "INTENT_TAIL", "DEFLECT"],
    "clinic": ["SESSION", "SESSION_TIME", "CLINIC_SYMPTOMS", "GENERIC_EFFECT_Q"],
    "boundary": ["BOUNDARY_RULES", "BOUNDARY_CUE", "FICTION", "FICTION_ASK", "FICTION_DEATH"],
    "scope": ["IN_SCOPE", "OUT_OF_SCOPE_TOPICS", "SPANISH_WORDS", "ENGLISH_WORDS"],
}
TEAM_SETS = sorted(ROOT.glob("evals/sets/*.jsonl")) + [
    ROOT / f"evals/sets/real/{n}.jsonl" for n in ("dev", "dev2", "decline_dev")] + [
    ROOT / "bot/safety/data/guard_exemplars.jsonl"]
TEST_FILES = [ROOT / "tests" / n for n in ("test_guard.py", "test_chat.py", "test_crisis_replies.py")]
NOT_FOR_MISS = ("crisis", "harm_others", "support", "earlier_turn", "test")
STOP = set("a an the i me my to of and or is am are was be it this that do does did in on at for with you "
           "your what how can so just".split())


# ---------------------------------------------------------------------------------------
# Reading the Python module
# ---------------------------------------------------------------------------------------
def _frag(name: str) -> str:
    return name.lstrip("_").lower()


def _expr(node: ast.AST) -> str:
    """A pattern expression as text with {fragment} placeholders."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        if rules.PLACEHOLDER.search(node.value):
            raise ValueError(f"a pattern holds a placeholder-like text: {node.value!r}")
        return node.value
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add):
        return _expr(node.left) + _expr(node.right)
    if isinstance(node, ast.Name) and node.id in FRAGMENTS:
        return "{" + _frag(node.id) + "}"
    if (isinstance(node, ast.Subscript) and isinstance(node.value, ast.Name) and node.value.id in FRAGMENTS
            and ast.unparse(node.slice) == "3:-1"):
        return "{" + _frag(node.value.id) + ":bare}"
    raise ValueError(f"cannot read {ast.unparse(node)[:80]}")


def read_python(path: Path) -> dict[str, dict]:
    src = path.read_text(encoding="utf-8")
    comments = {t.start[0]: t.string.lstrip("#").strip()
                for t in tokenize.generate_tokens(io.StringIO(src).readline) if t.type == tokenize.COMMENT}

    def notes(a: int, b: int) -> tuple[list[str], list[str]]:
        heads, out = [], []
        for ln in range(a, b + 1):
            c = comments.get(ln)
            if c is None or set(c) <= {"-"}:
                continue
            (heads if c.startswith("---") else out).append(c.strip("- ").strip() if c.startswith("---") else c)
        return heads, out

    entries: dict[str, dict] = {}
    prev_end = 0
    for node in ast.parse(src).body:
        if not (isinstance(node, ast.Assign) and isinstance(node.targets[0], ast.Name)):
            prev_end = node.end_lineno or prev_end
            continue
        name, v = node.targets[0].id, node.value
        heads, ns = notes(prev_end + 1, node.lineno - 1)
        e: dict = {"notes": heads + ns}
        func = ast.unparse(v.func) if isinstance(v, ast.Call) else ""
        if func == "_table":
            rows, last = [], v.args[0].lineno
            for elt in v.args[0].elts:
                h, n = notes(last + 1, elt.lineno - 1)
                h2, n2 = notes(elt.lineno, elt.end_lineno)
                rows.append({"id": elt.elts[0].value, "pattern": _expr(elt.elts[1]), "heads": h + h2, "notes": n + n2})
                last = elt.end_lineno
            e.update(kind="table", rows=rows)
        elif func in ("_rx", "re.compile"):
            e["notes"] += sum(notes(v.lineno, v.end_lineno), [])
            e.update(kind="pattern", pattern=_expr(v.args[0]))
        elif func == "frozenset":
            arg = v.args[0]
            if isinstance(arg, ast.Set):
                e.update(kind="set", items=[x.value for x in arg.elts])
            else:
                e.update(kind="words", items=arg.func.value.value.split())
        elif name == "COMBOS":
            e.update(kind="combos", items=[[x.value for x in t.elts] for t in v.elts])
        elif name in FRAGMENTS:
            e["notes"] += sum(notes(v.lineno, v.end_lineno), [])
            e.update(kind="fragment", pattern=_expr(v))
        else:
            raise ValueError(f"{path}: do not know where {name} goes")
        entries[name] = e
        prev_end = node.end_lineno
    missing = set(entries) ^ {n for ns in FILES.values() for n in ns}
    if missing:
        raise ValueError(f"names not in FILES (add them) or gone: {sorted(missing)}")
    return entries


# ---------------------------------------------------------------------------------------
# Examples: the current YAML's, else mined from the team's sets
# ---------------------------------------------------------------------------------------
def current_examples(directory: Path) -> dict[tuple, dict]:
    """(name, id, pattern as written) -> the row's catch, miss and note in the current YAML."""
    out: dict[tuple, dict] = {}
    for path in directory.glob("*.yaml"):
        for name, spec in (yaml.safe_load(path.read_text(encoding="utf-8")) or {}).items():
            for row in spec.get("rows", []) if isinstance(spec, dict) else []:
                out[(name, row["id"], rules.pattern_text(row["pattern"]))] = row
            if isinstance(spec, dict) and "pattern" in spec and name != "fragments":
                out[(name, name, rules.pattern_text(spec["pattern"]))] = spec
    return out


def team_messages() -> dict[str, str]:
    """Team-written message -> its label (only the last turn of a conversation keeps the label)."""
    out: dict[str, str] = {}
    for p in TEAM_SETS:
        assert p.name != "test.jsonl"
        for line in p.read_text(encoding="utf-8").splitlines():
            if not line.strip():
                continue
            it = json.loads(line)
            lab = it.get("expect") or it.get("label") or ""
            turns = [t if isinstance(t, str) else t.get("text", "") for t in it.get("turns") or []]
            last = len(turns) - 1 if not it.get("text") else len(turns)  # turns plus text: text is the message
            pairs = ([(it["text"], lab)] if it.get("text") else []) + [
                (t, lab if n == last else "earlier_turn") for n, t in enumerate(turns)]
            for t, lb in pairs:
                if t:
                    out.setdefault(t, lb)
    for p in TEST_FILES:
        for node in ast.walk(ast.parse(p.read_text(encoding="utf-8"))):
            s = node.value if isinstance(node, ast.Constant) and isinstance(node.value, str) else ""
            if 2 <= len(s.split()) <= 40 and "\n" not in s and not re.search(r"[/\\{]|::|_[a-z]+_|^[a-z_.]+$", s):
                out.setdefault(s, "test")
    return out


class Miner:
    def __init__(self) -> None:
        self.msgs = team_messages()
        self.texts = list(self.msgs)
        self.norms = [normalize(t) for t in self.texts]
        self.words = []
        for n in self.norms:
            w = set(re.findall(r"[a-z0-9]+", n))
            self.words.append(w - STOP or w)

    def pair(self, pattern: re.Pattern[str]) -> tuple[str, str] | None:
        hit = [i for i, n in enumerate(self.norms) if pattern.search(n)]
        if not hit:
            return None
        plain = [i for i in hit if pattern.search(self.texts[i].lower())] or hit
        c = min([i for i in plain if len(self.words[i]) >= 3] or plain, key=lambda i: (len(self.texts[i]), self.texts[i]))
        hs, wc, best, bs = set(hit), self.words[c], None, -1.0
        for i, w in enumerate(self.words):
            if i in hs or not w or self.msgs[self.texts[i]] in NOT_FOR_MISS:
                continue
            s = len(wc & w) / (len(wc) * len(w)) ** 0.5 + (0.05 if self.msgs[self.texts[i]] == "not_crisis" else 0)
            if s > bs:
                best, bs = i, s
        return self.texts[c], self.texts[best] if best is not None else ""


# ---------------------------------------------------------------------------------------
# Writing the YAML
# ---------------------------------------------------------------------------------------
def _q(s: str) -> str:
    if re.search(r"[\x00-\x1f]", s):
        raise ValueError(f"a control character in {s!r}")
    return "'" + s.replace("'", "''") + "'"


def _chunks(p: str, width: int = 96) -> list[str]:
    """Pieces of p (joined with nothing they give p back), broken after a '|' where possible."""
    out, i = [], 0
    while len(p) - i > width + 14:
        window = p[i:i + width]
        cut = window.rfind("|")
        if cut < width // 3:
            cut = width - 1
            ob = window.rfind("{", 0, cut + 1)
            if ob != -1 and "}" not in window[ob:cut + 1]:
                cut = ob - 1
        out.append(p[i:i + cut + 1])
        i += cut + 1
    out.append(p[i:])
    return out


def _pattern(buf: list[str], indent: str, p: str) -> None:
    cs = _chunks(p)
    if len(cs) == 1:
        buf.append(f"{indent}pattern: {_q(p)}")
    else:
        buf.append(f"{indent}pattern:")
        buf += [f"{indent}  - {_q(c)}" for c in cs]


def _examples(buf: list[str], indent: str, ex: dict | None) -> None:
    if not ex:
        return
    buf.append(f"{indent}catch: {_q(ex['catch'])}")
    miss = ex["miss"]
    if isinstance(miss, list):
        buf.append(f"{indent}miss:")
        buf += [f"{indent}  - {_q(m)}" for m in miss]
    else:
        buf.append(f"{indent}miss: {_q(miss)}")


def write(entries: dict[str, dict], module, out_dir: Path) -> dict[str, int]:
    have = current_examples(out_dir)
    miner: Miner | None = None
    counts = {"kept": 0, "mined": 0, "none": 0}

    def examples(name: str, rid: str, text: str, compiled: re.Pattern[str], note: str | None) -> dict | None:
        nonlocal miner
        old = have.get((name, rid, text))
        if not old:  # a changed row: the examples of a row of the same id that still hold
            for (n, i, _), row in have.items():
                misses = row.get("miss") if isinstance(row.get("miss"), list) else [row.get("miss") or ""]
                if (n, i) == (name, rid) and row.get("catch") and compiled.search(normalize(row["catch"])) \
                        and all(m and not compiled.search(normalize(m)) for m in misses):
                    old = {"catch": row["catch"], "miss": row["miss"]}
                    break
        if old and old.get("catch"):
            counts["kept"] += 1
            return old
        miner = miner or Miner()
        got = miner.pair(compiled)
        if not got:
            counts["none"] += 1
            print(f"no team message matches {name} {rid}: write a catch and a miss", file=sys.stderr)
            return None
        counts["mined"] += 1
        return {"catch": got[0], "miss": got[1]}

    for fname, names in FILES.items():
        path = out_dir / f"{fname}.yaml"
        old_text = path.read_text(encoding="utf-8") if path.exists() else ""
        buf = []
        for ln in old_text.splitlines():
            if not ln.startswith("#"):
                break
            buf.append(ln)
        if fname == "vocabulary":
            buf += ["", "fragments:"]
        for name in names:
            e = entries[name]
            buf.append("")
            note = " ".join(e["notes"])
            if e["kind"] == "fragment":
                buf.append(f"  {_frag(name)}:")
                if note:
                    buf.append(f"    note: {_q(note)}")
                _pattern(buf, "    ", e["pattern"])
                continue
            buf.append(f"{name}:")
            if note:
                buf.append(f"  note: {_q(note)}")
            if e["kind"] == "pattern":
                _pattern(buf, "  ", e["pattern"])
                _examples(buf, "  ", examples(name, name, e["pattern"], getattr(module, name), note))
            elif e["kind"] == "table":
                buf.append("  rows:")
                for i, r in enumerate(e["rows"]):
                    buf += [f"    # --- {h}" for h in r["heads"]]
                    buf.append(f"    - id: {r['id']}")
                    ex = examples(name, r["id"], r["pattern"], getattr(module, name)[i][1], None)
                    rnote = " ".join(r["notes"]) or (ex or {}).get("note")
                    if rnote:
                        buf.append(f"      note: {_q(rnote)}")
                    _pattern(buf, "      ", r["pattern"])
                    _examples(buf, "      ", ex)
            elif e["kind"] == "set":
                buf.append("  families: [" + ", ".join(e["items"]) + "]")
            elif e["kind"] == "words":
                buf.append("  words: >-")
                line: list[str] = []
                for w in e["items"]:
                    if len(" ".join([*line, w])) > 96:
                        buf.append("    " + " ".join(line))
                        line = []
                    line.append(w)
                buf.append("    " + " ".join(line))
            elif e["kind"] == "combos":
                buf.append("  pairs:  # [first cue family, second cue family, rule id]")
                buf += [f"    - [{a}, {b}, {rid}]" for a, b, rid in e["items"]]
        path.write_text("\n".join(buf) + "\n", encoding="utf-8")
    return counts


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("rules_py", type=Path, help="a rules.py in the old Python format")
    ap.add_argument("--out", type=Path, default=rules.TABLES_DIR)
    args = ap.parse_args(argv)
    spec = importlib.util.spec_from_file_location("_old_rules", args.rules_py)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    entries = read_python(args.rules_py)
    counts = write(entries, module, args.out)
    new = rules.load(args.out)
    def plain(v):
        if isinstance(v, re.Pattern):
            return v.pattern, v.flags
        if isinstance(v, tuple):
            return [tuple(plain(x) if isinstance(x, re.Pattern) else x for x in r) for r in v]
        return v

    for name, v in vars(module).items():  # the YAML must give back exactly what the module built
        if name in new and plain(new[name]) != plain(v):
            raise AssertionError(f"{name} differs from the Python module's")
    print(f"{args.out}: rows kept their examples {counts['kept']}, mined {counts['mined']}, "
          f"none {counts['none']}; every name equals the Python module's", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
