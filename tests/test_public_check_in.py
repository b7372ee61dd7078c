"""evals/public_check_in.py: counts of crisis routes and check-ins on public rows. No shared data
here: a folder in tmp_path in one source's own format, and a fake decider."""

from __future__ import annotations

import csv

from bot.safety.sources import Example
from evals import public_check_in as pci


def test_tally_counts_crises_and_check_ins_by_side_and_never_both():
    rows = [Example("a", "crisis", "s", "en", ""), Example("b", "harm_others", "s", "en", ""),
            Example("c", "safe", "s", "en", ""), Example("d", "support", "s", "en", ""),
            Example("e", "safe", "s", "en", "")]
    decided = {"a": ("crisis", ("check_in",)), "b": ("no_answer", ("check_in",)), "c": ("crisis", ()),
               "d": ("support", ("check_in",)), "e": ("continue", ("distress",))}
    got = pci.tally(rows, lambda text: decided[text])
    assert got == {"risk": {"n": 2, "crisis": 1, "check_in": 1}, "safe": {"n": 3, "crisis": 1, "check_in": 1}}
    assert pci.tally([Example("c", "safe", "s", "en", "")], lambda text: decided[text]) == {
        "safe": {"n": 1, "crisis": 1, "check_in": 0}}


def _counsel_folder(root, n):
    folder = root / "counsel_chat"
    folder.mkdir()
    with open(folder / "20200325_counsel_chat.csv", "w", encoding="utf-8", newline="") as fh:
        w = csv.DictWriter(fh, fieldnames=["questionID", "topic", "questionTitle", "questionText"])
        w.writeheader()
        for i in range(n):
            w.writerow({"questionID": str(i), "topic": "anxiety", "questionTitle": f"question {i}",
                        "questionText": "written for this test"})


def test_sample_is_fixed_by_its_seed_and_capped_at_n(tmp_path):
    _counsel_folder(tmp_path, 30)
    first = pci.sample(tmp_path, "counsel_chat", 10, seed=45)
    assert len(first) == 10 and len({e.text for e in first}) == 10
    assert [e.text for e in pci.sample(tmp_path, "counsel_chat", 10, seed=45)] == [e.text for e in first]
    assert [e.text for e in pci.sample(tmp_path, "counsel_chat", 10, seed=1)] != [e.text for e in first]
    assert len(pci.sample(tmp_path, "counsel_chat", 100, seed=45)) == 30


def test_an_unknown_source_or_missing_data_is_a_clear_error(tmp_path, capsys):
    assert pci.main(["--data", str(tmp_path), "--sources", "no_such_folder"]) == 2
    assert "unknown source" in capsys.readouterr().err
    assert pci.main(["--data", str(tmp_path / "absent")]) == 2
    assert "no data at" in capsys.readouterr().err
