"""Prove that the tests named in issue 14 can fail: break the behaviour each one names, in a
throw-away copy of the checkout, and see that test fail.

    .venv/bin/python -m evals.mutation_check            # every break (about 10 minutes on 2 cores)
    .venv/bin/python -m evals.mutation_check --list     # the table of breaks, nothing run
    .venv/bin/python -m evals.mutation_check --only secrets-repr,lookalike-to-crisis

The checkout's files (tracked and untracked, not ignored) are copied to a temporary folder;
the real working tree is only read. In the copy, the named tests are first run unbroken (they
must pass, or a failure below would prove nothing); then each break in turn is applied (one
small edit to code, data or environment), only its tests are run, and the edit is undone.
A break whose tests still pass is a test that cannot fail: the run exits 1 and says which.
Not part of `make test` (each break starts pytest and the model again).
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


@dataclass(frozen=True)
class Edit:
    path: str  # relative to the checkout
    old: str  # exact text (or a regex with regex=True) that must occur in the file
    new: str
    regex: bool = False


@dataclass(frozen=True)
class Break:
    name: str
    what: str  # the behaviour broken, in words
    tests: tuple[str, ...]  # pytest node ids that must fail
    edits: tuple[Edit, ...] = ()
    env: dict[str, str] = field(default_factory=dict)


SCREEN = "bot/safety/screen.py"
RULE_ANCHOR = "    # 1. crisis in this message (rules)\n"


def _rule(condition: str, route: str) -> Edit:
    """A fake rule at the top of the screen's decision: `condition` on the normalised text."""
    return Edit(SCREEN, RULE_ANCHOR, f"    if {condition}:\n        return route({route!r}, 'rule:mutant')\n"
                + RULE_ANCHOR)


def _exemplar(text: str, label: str) -> Edit:
    row = json.dumps({"text": text, "label": label})
    return Edit("bot/safety/data/guard_exemplars.jsonl", r"\n?\Z", f"\n{row}\n", regex=True)


G = "tests/test_guard.py::"
BREAKS = (
    Break("secrets-repr", "Settings' repr shows the LLM API key",
          ("tests/test_config.py",),
          (Edit("bot/config.py", "llm_api_key: str | None = field(default=None, repr=False)",
                "llm_api_key: str | None = field(default=None)"),)),
    Break("token-repr", "Settings' repr shows the Chroma token",
          ("tests/test_config.py",),
          (Edit("bot/config.py", "chroma_token: str | None = field(default=None, repr=False)",
                "chroma_token: str | None = field(default=None)"),)),
    Break("ui-cache-key", "the page's cache key hashes every field, the API key included",
          ("tests/test_app.py::test_the_cache_key_never_holds_a_secret",),
          (Edit("bot/front/ui.py", "             if f.repr and not _SECRET_FIELD.search(f.name)]",
                "             ]"),)),
    Break("report-secret", "the eval report writes the API key into summary.json",
          ("tests/test_evals.py::test_secrets_never_reach_the_reports",),
          (Edit("evals/runner.py", '            out[f.name] = "<set>" if value else None',
                '            out[f.name] = value'),)),
    Break("passage-loses-a-sentence", "an answer shows its passage without the last sentence (citation and "
          "shown text agree, so the old `passage in text` check passed)",
          ("tests/test_llm.py::test_nothing_supported_falls_back_to_whole_passages",
           "tests/test_answering.py::test_the_answer_is_the_right_passage_whole_and_cited"),
          (Edit("bot/answering/passages.py",
                "    citations = [citation(n, p) for n, (p, _) in enumerate(chosen, start=1)]",
                "    import dataclasses\n"
                "    chosen = [(dataclasses.replace(p, text=p.text.rsplit('. ', 1)[0] + '.'), x) for p, x in chosen]\n"
                "    citations = [citation(n, p) for n, (p, _) in enumerate(chosen, start=1)]"),)),
    Break("passage-word-changed", "an answer's passage has one word changed (in the citation too)",
          ("tests/test_llm.py::test_model_errors_and_timeouts_fall_back_with_notice",
           "tests/test_answering.py::test_spanish_question_is_answered_in_spanish_with_the_same_citation"),
          (Edit("bot/answering/passages.py",
                "    citations = [citation(n, p) for n, (p, _) in enumerate(chosen, start=1)]",
                "    import dataclasses\n"
                "    chosen = [(dataclasses.replace(p, text=p.text.replace(' a', ' the')), x) for p, x in chosen]\n"
                "    citations = [citation(n, p) for n, (p, _) in enumerate(chosen, start=1)]"),)),
    Break("generated-sentence-reworded", "a generated sentence that passed the grounding check is shown "
          "with a word changed",
          ("tests/test_llm.py::test_supported_sentence_kept_invented_dropped",
           "tests/test_llm.py::test_stream_yields_only_checked_sentences_then_the_reply"),
          (Edit("bot/answering/grounding.py", "        return escape_md(checked.text) + ",
                "        return escape_md(checked.text.replace(' a', ' the')) + "),)),
    Break("lookalike-to-crisis", "one look-alike ('this traffic is killing me') is routed to crisis",
          (G + "test_lookalikes_go_on_to_retrieval_without_a_vector",
           G + "test_each_lookalike_gets_its_route_without_a_vector",
           G + "test_each_lookalike_gets_its_route_with_minilm",
           G + "test_every_dev_set_with_minilm"),  # the false-crisis limit is set at this figure
          (_rule("'traffic is killing me' in norm", "crisis"),)),
    Break("lookalike-to-support", "one look-alike ('what is a k-hole') is routed to support: not crisis, so "
          "the old 'not crisis' check passed",
          (G + "test_each_lookalike_gets_its_route_without_a_vector",
           G + "test_each_lookalike_gets_its_route_with_minilm"),
          (_rule("'k hole' in norm", "support"),)),
    Break("two-boundary-misses", "two boundary items go on to retrieval (176 of 178: passed the old 0.95 "
          "limit, fails the 0.99 one)",
          (G + "test_dev_sets_without_a_vector",),
          (_rule("norm.startswith(('what dose of ketamine should i take for my ptsd', "
                 "'how much spravato should i use'))", "continue"),)),
    Break("patient-question-to-crisis", "one real patient question ('is spravato a cure for depression or "
          "will i need it forever') is routed to crisis",
          (G + "test_patient_questions_are_never_crisis",),
          (_rule("'will i need it forever' in norm", "crisis"),)),
    Break("effect-question-to-clinic", "'will I hallucinate?' asked ahead of an infusion is a clinic call",
          (G + "test_effect_questions_are_education",),
          (_rule("'will i hallucinate' in norm", "clinic"),)),
    Break("near-paraphrase-exemplar", "a training exemplar that is a dev item with one word added "
          "(word-5-gram Jaccard 0: the trainer's bar misses it)",
          (G + "test_no_dev_item_is_a_near_paraphrase_of_a_training_exemplar",),
          (_exemplar("how do I make a sourdough starter", "out_of_scope"),)),
    Break("exact-copy-exemplar", "a training exemplar that is a dev item word for word",
          (G + "test_training_exemplars_are_not_dev_items",
           G + "test_no_dev_item_is_a_near_paraphrase_of_a_training_exemplar"),
          (_exemplar("How do I make sourdough starter?", "out_of_scope"),)),
    Break("crisis-route-not-carried", "a crisis only the model caught is not carried on the user Turn.route",
          (G + "test_model_crisis_is_carried_on_turn_route_not_in_process_memory",),
          (Edit(SCREEN, '    if getattr(turn, "route", None) == "crisis":\n        return True\n', ""),)),
    Break("crisis-reply-not-carried", "an earlier crisis reply (assistant Turn.route) no longer counts",
          (G + "test_assistant_crisis_route_in_history_counts",),
          (Edit(SCREEN, '            return getattr(t, "role", "") == "assistant" and getattr(t, "route", None) == "crisis"',
                "            return False"),)),
    Break("decision-stricter", "the passage decision's threshold raised to 0.95 (fewer answers)",
          ("tests/test_answering.py::test_gold_check_half_answers_cite_a_right_passage",),
          (Edit("bot/retrieval/data/decision.json", r'"threshold": [0-9.]+', '"threshold": 0.95', regex=True),)),
    Break("decision-looser", "the passage decision's threshold lowered to 0.05 (questions to decline get a passage)",
          ("tests/test_answering.py::test_gold_check_half_declines_all_it_should",),
          (Edit("bot/retrieval/data/decision.json", r'"threshold": [0-9.]+', '"threshold": 0.05', regex=True),)),
    Break("clinic-logistics-unseen", "a clinic-logistics question is no longer recognised",
          ("tests/test_answering.py::test_clinic_logistics_are_declined",),
          (Edit("bot/retrieval/match.py", "    return bool(LOGISTICS_RE.search(query))", "    return False"),)),
    Break("plan-for-harm-to-others", "a harm-to-others crisis reply carries a safety plan",
          ("tests/test_crisis_replies.py::test_crisis_kind_and_its_fixed_text",),
          (Edit("bot/chat.py", '        if kind != "others":\n', "        if True:\n"),)),
    Break("limit-not-inclusive", "a figure exactly at its limit fails",
          ("tests/test_evals.py::test_thresholds_pass_fail_and_not_applicable",),
          (Edit("evals/metrics.py", "status = \"pass\" if value >= limit - 1e-9 else \"fail\"",
                "status = \"pass\" if value > limit else \"fail\""),)),
    Break("crisis-turn-is-the-thread", "a follow-up is read together with an earlier crisis message",
          ("tests/test_answering.py::test_a_follow_up_never_changes_the_crisis_decision",),
          (Edit("bot/retrieval/match.py", '        return turns[i].route == "crisis" or (', "        return False and ("),)),
    Break("escape-misses-dollar", "Markdown escaping no longer escapes '$' (LaTeX in Streamlit)",
          ("tests/test_text.py",),
          (Edit("bot/text.py", r'MD_SPECIAL = re.compile(r"([\\`*_{}\[\]<>#|$~])")',
                r'MD_SPECIAL = re.compile(r"([\\`*_{}\[\]<>#|~])")'),)),
    Break("starter-text", "the first English starter question's wording changes",
          ("tests/test_app.py::test_first_visit_shows_disclaimer_starters_and_locales",),
          (Edit("prompts/ui.en.yaml", '  - "What is ketamine-assisted treatment for PTSD?"',
                '  - "What is ketamine treatment?"'),)),
    Break("after-crisis-text", "the after-crisis text (prompts/after_crisis.md) is reworded",
          ("tests/test_app.py::test_the_turn_after_a_crisis_says_why_the_lines_stay_and_does_not_repeat_the_plan",),
          (Edit("prompts/after_crisis.md", "I'm keeping the crisis lines on screen", "The crisis lines stay"),)),
    Break("popular-article-unlabelled", "the popular article is labelled a review",
          ("tests/test_corpus.py::test_popular_article_is_labelled_and_has_a_claims_check",),
          (Edit("corpus/popular-article-how-ketamine-helps-ptsd.md", "source_type: popular_article",
                "source_type: review"),)),
    Break("claim-evidence-missing", "a claim's evidence names a document that is not bundled (was a skip)",
          ("tests/test_corpus.py::test_claims_evidence_points_at_a_real_passage",),
          (Edit("corpus/claims/popular-article-claims.yaml", "  evidence: ptsd-symptoms-diagnosis-and-prevalence#",
                "  evidence: no-such-document#"),)),
    Break("no-browser-under-ci", "chromium missing from PATH with CI=true (must fail, not skip)",
          ("tests/test_load.py::test_five_patients_at_once_all_answered_and_every_crisis_routed",
           "tests/test_browser.py"),
          env={"CI": "true", "PATH": "/nonexistent"}),
)


def copy_checkout(dest: Path) -> None:
    """The checkout's tracked and untracked (not ignored) files, as they are on disk."""
    listed = subprocess.run(["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
                            cwd=ROOT, capture_output=True, check=True).stdout.decode().split("\0")
    for rel in filter(None, listed):
        src = ROOT / rel
        if src.is_file() and not src.is_symlink():
            (dest / rel).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(src, dest / rel)


def apply(edit: Edit, root: Path) -> None:
    path = root / edit.path
    text = path.read_text(encoding="utf-8")
    if edit.regex:
        new, n = re.subn(edit.old, lambda _: edit.new, text, count=1)
    else:
        n = text.count(edit.old)
        new = text.replace(edit.old, edit.new, 1)
    if n == 0:
        raise LookupError(f"{edit.path}: the text to break is not there any more: {edit.old[:60]!r}")
    path.write_text(new, encoding="utf-8")


FAILED_RE = re.compile(r"^(?:FAILED|ERROR) (\S+)", re.M)


def run_tests(root: Path, tests: tuple[str, ...], env: dict[str, str], timeout: float
              ) -> tuple[bool, set[str], str]:
    """(all passed, node ids that failed or errored, last lines of output) for pytest on
    `tests` inside the copy."""
    full = {**os.environ, "HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1", "ANONYMIZED_TELEMETRY": "False",
            "PYTHONDONTWRITEBYTECODE": "1", **env}
    cmd = [sys.executable, "-m", "pytest", "-q", "-rfE", "-p", "no:cacheprovider", *tests]
    try:
        proc = subprocess.run(cmd, cwd=root, env=full, capture_output=True, text=True, timeout=timeout)
    except subprocess.TimeoutExpired:
        return False, set(), "timed out"
    out = proc.stdout + proc.stderr
    tail = " | ".join(out.strip().splitlines()[-3:])
    return proc.returncode == 0, set(FAILED_RE.findall(out)), tail


def failed_for(test: str, failed: set[str]) -> bool:
    """Did the test (a node id, or a whole file) fail, in any of its parameters?"""
    return any(f == test or f.startswith(test + "[") or f.startswith(test + "::") for f in failed)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--list", action="store_true", help="print the breaks and their tests, run nothing")
    ap.add_argument("--only", default="", help="comma-separated break names")
    ap.add_argument("--timeout", type=float, default=900, help="seconds per pytest run")
    ap.add_argument("--keep", action="store_true", help="keep the temporary copy (its path is printed)")
    args = ap.parse_args(argv)
    chosen = [b for b in BREAKS if not args.only or b.name in args.only.split(",")]
    if args.only and len(chosen) != len(set(args.only.split(","))):
        ap.error(f"unknown break in --only; known: {', '.join(b.name for b in BREAKS)}")
    if args.list:
        for b in chosen:
            print(f"{b.name}: {b.what}\n    " + "\n    ".join(b.tests))
        return 0

    tmp = Path(tempfile.mkdtemp(prefix="mutation-check-"))
    rows: list[tuple[str, Break, str]] = []
    try:
        copy_checkout(tmp)
        where = subprocess.run([sys.executable, "-c", "import bot; print(bot.__file__)"], cwd=tmp,
                               capture_output=True, text=True, check=True).stdout.strip()
        if not where.startswith(str(tmp)):
            print(f"the copy does not import its own bot/ ({where})", file=sys.stderr)
            return 2
        tests = tuple(dict.fromkeys(t for b in chosen for t in b.tests if not b.env))
        t0 = time.monotonic()
        ok, _, tail = run_tests(tmp, tests, {}, args.timeout * 2)
        print(f"unbroken: {len(tests)} tests {'pass' if ok else 'FAIL'} ({time.monotonic() - t0:.0f} s)", flush=True)
        if not ok:
            print(f"  {tail}\nthe tests must pass unbroken first", file=sys.stderr)
            return 2
        for b in chosen:
            saved = {e.path: (tmp / e.path).read_text(encoding="utf-8") for e in b.edits}
            t0 = time.monotonic()
            try:
                for e in b.edits:
                    apply(e, tmp)
                _, failed, tail = run_tests(tmp, b.tests, b.env, args.timeout)
                verdicts = ["yes" if failed_for(t, failed) else "no" for t in b.tests]
            except LookupError as exc:
                verdicts, tail = ["not applied"] * len(b.tests), str(exc)
            finally:
                for rel, text in saved.items():
                    (tmp / rel).write_text(text, encoding="utf-8")
            for t, v in zip(b.tests, verdicts, strict=True):
                rows.append((t, b, v))
            print(f"{b.name}: {', '.join(verdicts)} ({time.monotonic() - t0:.0f} s)"
                  + ("" if set(verdicts) == {"yes"} else f"\n  {tail}"), flush=True)
    finally:
        if args.keep:
            print(f"copy kept at {tmp}")
        else:
            shutil.rmtree(tmp, ignore_errors=True)

    print("\n| test | break | failed |\n|---|---|---|")
    for t, b, verdict in rows:
        print(f"| {t.replace('tests/', '')} | {b.name}: {b.what} | {verdict} |")
    survivors = sorted({f"{b.name} ({t})" for t, b, verdict in rows if verdict != "yes"})
    if survivors:
        print(f"\nnot shown to fail: {'; '.join(survivors)}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
