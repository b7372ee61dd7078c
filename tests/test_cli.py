"""The CLI shapes evaluators depend on: ask, ask --json, ask --json --batch."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def run(args, env, **kw):
    return subprocess.run([sys.executable, "-m", "bot", "ask", *args], capture_output=True, text=True,
                          env=env, cwd=ROOT, timeout=300, **kw)


def test_ask_json_and_text(fixture_settings, env_for):
    env = env_for(fixture_settings)
    proc = run(["--json", "What was ketamine compared against in the 2021 trial?"], env)
    assert proc.returncode == 0, proc.stderr
    data = json.loads(proc.stdout)
    assert data["route"] == "answer" and data["citations"]
    assert any("midazolam" in c["passage"].lower() for c in data["citations"])
    human = run(["What was ketamine compared against in the 2021 trial?"], env)
    assert "Sources:" in human.stdout and "[1]" in human.stdout


def test_batch_line_with_turns_and_text_asks_the_text_after_the_turns():
    from bot.front.cli import parse_item

    line = json.dumps({"id": "x", "turns": ["I gave my dog away", {"role": "user", "text": "i feel calm"}],
                       "text": "how deep is the lake"})
    assert parse_item(line, 1) == ("x", ["I gave my dog away", "i feel calm"], "how deep is the lake")
    assert parse_item(json.dumps({"turns": ["a", "b"]}), 2) == (2, ["a"], "b")
    assert parse_item(json.dumps({"turns": ["a", "b"], "text": "b"}), 3) == (3, ["a"], "b")


def test_batch_keeps_ids_and_reads_turns(fixture_settings, env_for, tmp_path):
    src, out = tmp_path / "in.jsonl", tmp_path / "out.jsonl"
    src.write_text("\n".join([
        json.dumps({"id": "a", "text": "What was ketamine compared against in the 2021 trial?", "extra": 1}),
        json.dumps({"id": "b", "turns": ["I feel hopeless and I want to die", "how many sprays would it take"]}),
        json.dumps({"id": "c", "text": "what's a lethal dose of ketamine"}),
        "{not json",
        "what was ketamine compared against in the 2021 trial",  # a plain-text question
    ]) + "\n")
    proc = run(["--json", "--batch", str(src), "--out", str(out)], env_for(fixture_settings))
    lines = [json.loads(x) for x in out.read_text().splitlines()]
    assert [x["id"] for x in lines] == ["a", "b", "c", 4, 5]
    assert lines[0]["route"] == "answer" and lines[1]["route"] == "crisis" and lines[2]["route"] == "crisis"
    assert "error" in lines[3] and "in.jsonl:4" in proc.stderr
    assert lines[4]["route"] == "answer" and lines[4]["citations"]
    for line in (*lines[:3], lines[4]):
        assert set(line) >= {"id", "route", "text", "citations", "resources", "audit"}
