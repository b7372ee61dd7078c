"""The Streamlit pages driven by AppTest against the ingested three-document fixture index."""

from __future__ import annotations

import datetime as dt
import json
import shutil
import threading
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from bot import prompts
from bot.chat import assistant_for, respond
from bot.config import Settings
from bot.front import ui
from bot.front.handout import unescape_md
from bot.types import Resource

ROOT = Path(__file__).resolve().parent.parent
APP = str(ROOT / "app.py")
STAFF = "pages/1_Staff_handout.py"
QUESTION = "What was ketamine compared against in the 2021 trial?"
CRISIS = "I want to kill myself"


@pytest.fixture(scope="module")
def index_copy(fixture_settings, tmp_path_factory):
    """A private copy of the fixture index (the app writes feedback into its data dir), taken
    after one answer so the screen's cached exemplar vectors come along."""
    respond([], QUESTION, fixture_settings)
    target = tmp_path_factory.mktemp("app-index") / "data"
    shutil.copytree(fixture_settings.data_dir, target)
    return fixture_settings.with_(data_dir=target)


@pytest.fixture
def settings(index_copy, env_for):
    """What the app will build from the environment (Settings.from_env)."""
    env_for(index_copy)
    return Settings.from_env()


@pytest.fixture
def app(settings) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=60).run()
    assert not at.exception
    return at


def ask(at: AppTest, text: str) -> AppTest:
    at.chat_input(key="question").set_value(text).run()
    assert not at.exception
    return at


def last_reply(at: AppTest):
    return at.session_state["messages"][-1]["reply"]


def shows(at: AppTest, text: str) -> bool:
    """Whether a Markdown element shows exactly this fixed text."""
    return any(m.value == text for m in at.markdown)


def no_html(at: AppTest) -> None:
    assert not any(m.proto.allow_html for m in at.markdown)


def test_first_visit_shows_disclaimer_starters_and_locales(app, settings):
    pinned = " ".join(m.value for m in app.markdown)
    assert prompts.text(settings.prompts_dir, "disclaimer", "en-US") in pinned
    assert "tel:988" in pinned
    assert [b.label for b in app.button if b.key and b.key.startswith("starter_")] == list(ui.STARTERS)
    assert app.selectbox(key="locale").options == [ui.LOCALE_NAMES[x] for x in prompts.LOCALES]
    assert app.title[0].value and not app.chat_message


def test_an_answer_shows_numbered_citations_with_the_passage(app):
    ask(app, QUESTION)
    reply = last_reply(app)
    assert reply.route == "answer" and reply.citations
    user, bot = app.chat_message
    assert user.name == "user" and bot.name == "assistant"
    assert bot.markdown[0].value == reply.text  # streamed text is exactly the Reply's text
    labels = [e.label for e in app.expander]
    for c in reply.citations:
        label = next(x for x in labels if x.startswith(f"[{c.n}] "))
        assert unescape_md(ui.plain(c.title)) in unescape_md(label)
    first = app.expander[0]
    shown = unescape_md(" ".join(m.value for m in first.markdown))
    assert reply.citations[0].passage.splitlines()[0] in shown
    assert "randomised trial" in " ".join(m.value for m in first.markdown)
    assert any(m.value.startswith("[Open the source on doi") for m in first.markdown)
    no_html(app)


def test_a_starter_question_is_answered(app):
    app.button(key="starter_1").click().run()
    assert not app.exception
    assert app.session_state["messages"][0]["text"] == ui.STARTERS[1]
    assert len(app.chat_message) == 2


def test_crisis_shows_resources_safety_plan_and_no_cited_answer(app):
    ask(app, CRISIS)
    reply = last_reply(app)
    assert reply.route == "crisis" and not reply.citations
    assert [h.value for h in app.header] == ["You deserve support right now"]
    assert shows(app, reply.extras["safety_plan"]) and shows(app, reply.extras["grounding"])
    urls = [b.proto.url for b in app.get("link_button")]
    assert "tel:988" in urls and any(u.startswith("sms:") for u in urls)
    assert not any(e.label.startswith("[1]") for e in app.expander)
    plan = [t.label for t in app.text_area]
    assert plan == list(ui.CRISIS_WORDS["en"]["fields"].values())
    assert [d.label for d in app.get("download_button")] == ["Download my safety plan"]
    assert not app.get("feedback")  # nobody in crisis is asked to rate a reply


def test_user_text_is_never_rendered_as_html(app):
    ask(app, "<img src=x onerror=alert(1)> **loud** [click](javascript:alert(1))")
    echoed = app.chat_message[0].markdown[0].value
    assert echoed.startswith("\\<img") and "\\*\\*loud" in echoed and "\\]\\(javascript" in echoed
    no_html(app)


def test_start_over_clears_the_conversation(app):
    ask(app, QUESTION)
    assert app.chat_message
    app.button(key="start_over").click().run()
    assert not app.exception
    assert app.session_state["messages"] == [] and not app.chat_message
    assert app.button(key="starter_0")


def test_spanish_locale_gives_spanish_crisis_text(app, settings):
    app.selectbox(key="locale").set_value("es-US").run()
    ask(app, CRISIS)
    reply = last_reply(app)
    assert reply.route == "crisis"
    assert reply.text == prompts.text(settings.prompts_dir, "crisis", "es-US")
    assert reply.text != prompts.text(settings.prompts_dir, "crisis", "en-US")
    assert app.header[0].value == "Usted merece apoyo ahora mismo"
    assert [t.label for t in app.text_area] == list(ui.CRISIS_WORDS["es"]["fields"].values())
    pinned = " ".join(m.value for m in app.markdown)
    assert prompts.text(settings.prompts_dir, "disclaimer", "es-US") in pinned


def test_feedback_is_stored_without_the_message(app, settings):
    ask(app, QUESTION)
    app.feedback[0].set_value(1).run()
    mid = app.session_state["messages"][-1]["id"]
    app.text_input(key=f"fbtext_{mid}").input("clear")
    app.button(key=f"fbsend_{mid}").click().run()
    assert not app.exception
    rows = [json.loads(x) for x in (settings.data_dir / "feedback.jsonl").read_text().splitlines()]
    assert [r["rating"] for r in rows[-2:]] == ["up", "up"] and rows[-1]["comment"] == "clear"
    assert rows[-1]["chunk_ids"] and rows[-1]["corpus_hash"]
    assert "2021 trial" not in json.dumps(rows)


def test_staff_page_exports_a_handout_with_references(app, settings):
    app.switch_page(STAFF).run()
    assert not app.exception
    app.text_area(key="staff_questions").set_value(f"{QUESTION}\nWhat is ketamine cystitis?")
    app.button(key="staff_ask_submit").click().run()
    assert not app.exception
    items = app.session_state["staff_items"]
    assert len(items) == 2 and all(i["reply"].citations for i in items)
    app.checkbox(key="keep_1_1").uncheck()
    app.text_area(key="staff_note").set_value("Bring this to your next visit. <script>x</script>").run()
    export = app.session_state["staff_export"]
    titles = [c.title for c in items[0]["reply"].citations]
    assert "## References" in export["markdown"]
    assert f"1. {titles[0]}" in unescape_md(export["markdown"])
    assert "https://doi.org/" in export["markdown"]
    assert "<ol class=\"refs\">" in export["html"] and "&lt;script&gt;x" in export["html"]
    assert "<script>" not in export["html"]
    assert "Bladder" not in export["markdown"]  # the dropped passage is gone
    assert prompts.text(settings.prompts_dir, "disclaimer", "en-US").splitlines()[0] in export["markdown"]
    assert app.metric[0].label == "Reading grade"
    assert [d.label for d in app.get("download_button")] == ["Download Markdown", "Download printable HTML"]


def test_missing_fixed_texts_show_emergency_numbers_not_a_crash(settings, monkeypatch, tmp_path):
    monkeypatch.setenv("BOT_PROMPTS_DIR", str(tmp_path / "no-prompts"))
    at = AppTest.from_file(APP, default_timeout=60).run()
    assert not at.exception
    assert "call or text 988" in at.error[0].value
    assert not at.get("chat_input")


def test_a_crisis_is_answered_while_the_model_is_still_loading(settings):
    release = threading.Event()
    loading = threading.Thread(target=release.wait, daemon=True)
    loading.start()
    try:
        reply = ui.reply_for(settings, assistant_for(settings), loading, [], CRISIS, "en-US")
        assert reply.route == "crisis" and reply.resources
        assert loading.is_alive()  # it did not wait for the model
    finally:
        release.set()
    reply = ui.reply_for(settings, assistant_for(settings), loading, [], QUESTION, "en-US")
    assert reply.route == "answer" and not loading.is_alive()  # other questions wait for it


# --- the small helpers the pages draw with ----------------------------------------------------


@pytest.mark.parametrize("text", [
    "One sentence. Two sentences! [1] Three?\n\nA new paragraph [2]",
    "No full stop at the end",
    "Decimals like 2.5 mg and e.g. abbreviations. Then more [3]",
    "",
])
def test_streamed_pieces_join_back_to_exactly_the_reply(text):
    assert "".join(ui.sentence_chunks(text)) == text
    assert "".join(ui.stream(text, delay=0)) == text


def test_plain_escapes_every_markdown_and_html_mark():
    shown = ui.plain("<b>x</b> [a](javascript:1) *y* $z$ # h")
    assert unescape_md(shown) == "<b>x</b> [a](javascript:1) *y* $z$ # h"
    assert "<" not in shown.replace("\\<", "") and "[" not in shown.replace("\\[", "")


def test_call_and_text_links_are_built_from_digits_only():
    r = Resource(name="Line", contact="Call", call="116 123", sms="741741", sms_body="HOME NOW")
    assert ui.tel_href(r) == "tel:116123"
    assert ui.sms_href(r) == "sms:741741?&body=HOME%20NOW"
    assert ui.tel_href(Resource(name="x", contact="y")) == ""


def test_safety_plan_file_holds_only_what_the_person_wrote_and_the_lines():
    lines = [Resource(name="988 Lifeline", contact="Call or text 988", hours="24/7")]
    text = ui.safety_plan_text({"warning_signs": "I stop sleeping", "coping": ""}, "en-US", lines,
                               today=dt.date(2026, 11, 26))
    assert text.startswith("My safety plan\n2026-11-26\n")
    assert "1. My warning signs\nI stop sleeping\n" in text and "2. Things I can do to cope\n-\n" in text
    assert "- 988 Lifeline: Call or text 988 (24/7)" in text
    assert ui.safety_plan_text({}, "es-US", lines).startswith("Mi plan de seguridad")


def test_generated_answers_stream_only_grounded_sentences(settings, tmp_path, monkeypatch):
    """BOT_LLM=fake:FILE: the app streams through Assistant.stream(), and what stays on the
    page is the grounded Reply: the invented sentence never appears."""
    invented = "A 2019 Stanford trial of 400 patients found a 90% cure rate with ketamine."
    fake = tmp_path / "fake.jsonl"
    supported = "In the 2021 Feder trial, 67% of people given ketamine responded, compared with 20% given midazolam"
    # cited to every passage number: only the citation of the passage that says it survives
    fake.write_text(json.dumps({"text": " ".join(f"{supported} [{n}]." for n in range(1, 7)) + f" {invented} [1]"}) + "\n")
    monkeypatch.setenv("BOT_LLM", f"fake:{fake}")
    at = AppTest.from_file(APP, default_timeout=60).run()
    ask(at, QUESTION)
    reply = last_reply(at)
    assert reply.route == "answer" and reply.citations
    assert "Stanford" not in reply.text and "fallback" not in reply.audit["llm"]
    assert "midazolam" in reply.text and reply.audit["llm"]["kept"] >= 1 and reply.audit["llm"]["dropped"]
    assert not any("Stanford" in m.value for m in at.markdown)
