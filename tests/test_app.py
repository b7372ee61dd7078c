"""The Streamlit pages driven by AppTest against the ingested three-document fixture index."""

from __future__ import annotations

import json
import re
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
from bot.types import Citation, Reply, Resource

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


STARTERS_EN = [
    "What is ketamine-assisted treatment for PTSD?",
    "What did the research find about ketamine for PTSD?",
    "How long does the benefit of ketamine last?",
    "What side effects and risks does ketamine have?",
]
STARTERS_ES = [
    "¿Qué es el tratamiento asistido con ketamina para el TEPT?",
    "¿Qué encontraron las investigaciones sobre la ketamina para el TEPT?",
    "¿Cuánto dura el beneficio de la ketamina?",
    "¿Qué efectos secundarios y riesgos tiene la ketamina?",
]
PLAN_EN = ["My warning signs", "Things I can do to cope", "People I can contact", "Making my surroundings safer"]
PLAN_ES = ["Mis señales de alerta", "Cosas que puedo hacer para sobrellevarlo", "Personas a quienes puedo acudir",
           "Hacer mi entorno más seguro"]


def html_bodies(at: AppTest) -> str:
    return " ".join(e.proto.body for e in at.get("html"))


def link_urls(at: AppTest, prefix: str = "") -> list[str]:
    return [b.proto.url for b in at.get("link_button") if not prefix or b.key.startswith(prefix)]


def test_first_visit_shows_disclaimer_starters_and_locales(app):
    pinned = " ".join(m.value for m in app.markdown)
    assert "Not medical advice" in pinned and "tel:988" in pinned
    assert [b.label for b in app.button if b.key and b.key.startswith("starter_")] == STARTERS_EN
    assert app.selectbox(key="locale").options == [
        "English · United States", "English · United Kingdom", "English · Canada", "English · Australia",
        "Español · Estados Unidos"]
    assert app.title[0].value == "Ketamine treatment for PTSD: your questions answered"
    assert app.chat_input(key="question").placeholder == "Type your question"
    assert 'data-lang="en"' in html_bodies(app) and not app.chat_message


def test_spanish_locale_translates_the_whole_page(app):
    app.selectbox(key="locale").set_value("es-US").run()
    app.run()  # and it stays Spanish on the next run (the picker's label changed with it)
    assert app.session_state["locale"] == "es-US"
    assert app.title[0].value == "Tratamiento con ketamina para el TEPT: respuestas a sus preguntas"
    assert [b.label for b in app.button if b.key.startswith("starter_")] == STARTERS_ES
    assert app.chat_input(key="question").placeholder == "Escriba su pregunta"
    assert app.selectbox(key="locale").label == "Su país e idioma"
    assert app.button(key="start_over").label == "Empezar de nuevo"
    assert app.header[0].value == "Preguntas que la gente suele hacer primero"
    assert 'data-lang="es"' in html_bodies(app) and 'data-skip="Ir al cuadro de preguntas"' in html_bodies(app)
    assert "No es consejo médico" in " ".join(m.value for m in app.markdown)


def test_page_words_have_the_same_keys_in_every_language():
    def shape(d):
        return {k: shape(v) if isinstance(v, dict) else type(v).__name__ for k, v in d.items()}

    en, es = ui.words("en-US"), ui.words("es-US")
    assert shape(en) == shape(es) and len(en["starters"]) == len(es["starters"]) == 4


def test_an_answer_shows_numbered_citations_with_the_passage(app):
    ask(app, QUESTION)
    reply = last_reply(app)
    mid = app.session_state["messages"][-1]["id"]
    assert reply.route == "answer" and reply.citations
    user, bot = app.chat_message
    assert user.name == "user" and bot.name == "assistant"
    shown = bot.markdown[0].value
    # exactly the Reply's text, with each [n] marker a same-page link to its source panel
    assert f'[\\[1\\]](#src-{mid}-1 "Source 1")' in shown
    assert re.sub(r'\[\\\[(\d+)\\\]\]\(#src-[0-9a-f]+-\d+ "Source \d+"\)', r"[\1]", shown) == reply.text
    labels = [e.label for e in app.expander]
    for c in reply.citations:
        label = next(x for x in labels if x.startswith(f"[{c.n}] "))
        assert unescape_md(label).startswith(f"[{c.n}] {c.title}: {c.section} (")
    first = app.expander[0]
    text = unescape_md(" ".join(m.value for m in first.markdown))
    assert reply.citations[0].passage.splitlines()[0] in text
    assert "randomised trial" in first.label
    assert any(m.value.startswith("[Open the source on doi") for m in first.markdown)
    assert any(m.value.startswith("The references this passage gives:\n\n- ") for m in first.markdown)
    no_html(app)


@pytest.mark.parametrize("on", [True, False])
def test_the_timing_log_holds_durations_and_routes_never_words(app, tmp_path, monkeypatch, on):
    log = tmp_path / "timing.jsonl"
    if on:
        monkeypatch.setenv("BOT_TIMING_LOG", str(log))
    else:
        monkeypatch.delenv("BOT_TIMING_LOG", raising=False)
    ask(app, QUESTION)
    if not on:
        assert not log.exists()
        return
    events = [json.loads(line) for line in log.read_text().splitlines()]
    turn = next(e for e in events if e["event"] == "turn")
    run = next(e for e in events if e["event"] == "script_run" and e["message"])
    assert turn["route"] == "answer" and turn["respond_ms"] > 0 and run["ms"] >= turn["respond_ms"]
    assert set(turn) == {"t", "event", "session", "route", "respond_ms", "inside_respond_ms", "render_ms"}
    assert QUESTION.lower()[:20] not in log.read_text().lower()


def test_a_starter_question_is_answered(app):
    app.button(key="starter_1").click().run()
    assert not app.exception
    assert app.session_state["messages"][0]["text"] == "What did the research find about ketamine for PTSD?"
    assert len(app.chat_message) == 2
    assert not [b for b in app.button if b.key.startswith("starter_")]


def test_a_decline_offers_its_suggestions_as_buttons_that_ask_them(app):
    ask(app, "How much does a ketamine infusion cost in Denver?")
    reply = last_reply(app)
    assert reply.route == "no_answer" and reply.extras["suggestions"]
    buttons = [b for b in app.button if b.key.startswith("suggest_")]
    assert [b.label for b in buttons] == reply.extras["suggestions"]
    assert not any("- " + reply.extras["suggestions"][0] in m.value for m in app.markdown)  # not twice
    assert any(m.value == "**Questions I can answer:**" for m in app.markdown)
    buttons[0].click().run()
    assert not app.exception
    assert app.session_state["messages"][-2]["text"] == reply.extras["suggestions"][0]
    assert last_reply(app).route == "answer"


def test_a_greeting_offers_the_first_questions_as_buttons(app):
    ask(app, "hi there")
    reply = last_reply(app)
    assert reply.route == "no_answer" and reply.audit["no_answer_reason"] == "social.greeting"
    assert [b.label for b in app.button if b.key.startswith("suggest_")] == reply.extras["suggestions"]


def test_crisis_puts_the_call_buttons_first_then_the_words_and_the_plan(app):
    ask(app, CRISIS)
    reply = last_reply(app)
    mid = app.session_state["messages"][-1]["id"]
    assert reply.route == "crisis" and not reply.citations
    assert link_urls(app, "act_") == ["tel:988", "sms:988", "tel:911"]
    assert [b.label for b in app.get("link_button") if b.key.startswith("act_")] == [
        "Call 988", "Text 988", "Emergency: call 911"]
    assert [h.value for h in app.header] == ["You deserve support right now"]
    assert shows(app, reply.extras["safety_plan"]) and shows(app, reply.extras["grounding"])
    assert "tel:988" in link_urls(app) and any(u.startswith("sms:") for u in link_urls(app))
    assert not any(e.label.startswith("[1]") for e in app.expander)
    assert [t.label for t in app.text_area] == PLAN_EN
    bodies = html_bodies(app)
    assert f'class="bot-plan-download" data-mid="{mid}"' in bodies and "Print my safety plan" in bodies
    assert not app.get("download_button")  # no separate "update" step: page.js builds the file
    assert not app.get("feedback")  # nobody in crisis is asked to rate a reply


def test_the_turn_after_a_crisis_says_why_the_lines_stay_and_does_not_repeat_the_plan(app):
    ask(app, CRISIS)
    ask(app, "never mind, tell me about side effects")
    follow = last_reply(app)
    assert follow.route == "crisis"  # the screen's decision, rendered as it came
    assert "after_crisis" in follow.audit["flags"]  # a brush-off right after the crisis reply
    # its own text says why the lines stay (prompts/after_crisis.md), not the follow-up note
    assert follow.text.startswith("I'm keeping the crisis lines on screen because of what you said")
    assert shows(app, follow.text) and not shows(app, FOLLOWUP)
    assert [h.value for h in app.header] == ["You deserve support right now"]  # one full box only
    assert len(app.text_area) == 4  # one safety plan
    assert link_urls(app, "act_").count("tel:988") == 2  # buttons kept on both


CLEARED = "Here is an answer to your question. The crisis lines stay here in case you need them."
MISREAD = ("I may have misread your earlier message; I'm sorry. Here is an answer. "
           "The lines stay here in case you ever need them.")
FOLLOWUP = "Because of what you told me earlier, the crisis lines stay here for you."


def render(settings, reply: Reply) -> AppTest:
    """The app with one earlier exchange in the session, ending in `reply`."""
    at = AppTest.from_file(APP, default_timeout=60)
    at.session_state["messages"] = [{"role": "user", "text": "x"},
                                    {"role": "assistant", "id": "m1", "reply": reply, "locale": "en-US"}]
    at.run()
    assert not at.exception
    return at


@pytest.mark.parametrize("route, extras, flags, why", [
    ("answer", {"after_crisis": True}, ["after_crisis"], CLEARED),
    ("answer", {"after_crisis": True}, ["after_crisis_misread"], MISREAD),
    ("crisis", {"crisis_kind": "self"}, ["history_crisis"], FOLLOWUP),
    ("crisis", {"crisis_kind": "self"}, ["history_crisis", "after_crisis"], None),  # its text says why
])
def test_after_crisis_turns_render_what_the_reply_says(settings, route, extras, flags, why):
    lines = prompts.resources(settings.prompts_dir, "en-US")
    at = render(settings, Reply(route, "Spoken to the person.", resources=lines, extras=extras,
                                audit={"locale": "en-US", "flags": flags}))
    assert shows(at, "Spoken to the person.")
    assert why is None or shows(at, why)
    assert not any(shows(at, x) for x in (CLEARED, MISREAD, FOLLOWUP) if x != why)
    prefix = "act_" if route == "crisis" else "keep_"  # an answer keeps smaller buttons
    assert link_urls(at, prefix) == ["tel:988", "sms:988", "tel:911"]
    assert not at.header and not at.text_area  # no full crisis box, no second plan


def test_harm_to_others_shows_the_emergency_number_first_and_no_plan(settings):
    lines = prompts.resources(settings.prompts_dir, "en-US")
    at = render(settings, Reply("crisis", "Call now.", resources=lines, extras={"crisis_kind": "others"},
                                audit={"locale": "en-US"}))
    assert link_urls(at, "act_") == ["tel:911", "tel:988", "sms:988"]
    assert [h.value for h in at.header] == ["Get help right now"]
    assert not at.text_area and 'class="bot-plan-download"' not in html_bodies(at)


def test_support_shows_its_lines_and_asks_no_rating(settings):
    lines = [r for r in prompts.resources(settings.prompts_dir, "en-US") if not r.name.startswith("Emergency")]
    at = render(settings, Reply("support", "You are not alone.", resources=lines, audit={"locale": "en-US"}))
    assert shows(at, "You are not alone.") and "tel:988" in link_urls(at)
    assert not at.get("feedback") and not at.header


@pytest.mark.parametrize("locale, kind, labels", [
    ("en-US", "", ["Call 988", "Text 988", "Emergency: call 911"]),
    ("en-US", "self", ["Call 988", "Text 988", "Emergency: call 911"]),
    ("en-US", "others", ["Emergency: call 911", "Call 988", "Text 988"]),
    ("es-US", "", ["Llamar al 988", "Enviar texto al 988", "Emergencias: llamar al 911"]),
    ("es-US", "others", ["Emergencias: llamar al 911", "Llamar al 988", "Enviar texto al 988"]),
    ("en-GB", "", ["Call 116123", "Emergency: call 999"]),
    ("en-GB", "others", ["Emergency: call 999", "Call 116123"]),
    ("en-AU", "", ["Call 131114", "Text 0477131114", "Emergency: call 000"]),
    ("en-CA", "others", ["Emergency: call 911", "Call 988", "Text 988"]),
])
def test_primary_actions_per_locale_and_kind(settings, locale, kind, labels):
    lines = prompts.resources(settings.prompts_dir, locale)
    got = ui.primary_actions(settings, lines, locale, ui.words(locale), kind)
    assert [label for label, _, _ in got] == labels


def test_user_text_is_never_rendered_as_html(app):
    ask(app, "<img src=x onerror=alert(1)> **loud** [click](javascript:alert(1))")
    echoed = app.chat_message[0].markdown[0].value
    assert echoed.startswith("\\<img") and "\\*\\*loud" in echoed and "\\]\\(javascript" in echoed
    no_html(app)


def test_start_over_asks_first(app):
    ask(app, QUESTION)
    app.button(key="start_over").click().run()
    assert app.session_state["messages"] and shows(app, "**Erase this conversation? This cannot be undone.**")
    app.button(key="start_over_no").click().run()
    assert app.session_state["messages"] and not shows(app, "**Erase this conversation? This cannot be undone.**")
    app.button(key="start_over").click().run()
    app.button(key="start_over_yes").click().run()
    assert not app.exception
    assert app.session_state["messages"] == [] and not app.chat_message
    assert app.button(key="starter_0")


def test_spanish_locale_gives_spanish_crisis_text(app):
    app.selectbox(key="locale").set_value("es-US").run()
    ask(app, CRISIS)
    reply = last_reply(app)
    assert reply.route == "crisis"
    assert reply.text.startswith("**Me alegra mucho que me lo haya contado.")
    assert app.header[0].value == "Usted merece apoyo ahora mismo"
    assert [t.label for t in app.text_area] == PLAN_ES
    assert [b.label for b in app.get("link_button") if b.key.startswith("act_")][0] == "Llamar al 988"
    assert "Descargar mi plan de seguridad" in html_bodies(app)
    assert "No es consejo médico" in " ".join(m.value for m in app.markdown)


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


@pytest.mark.parametrize(("sentences", "pieces"), [(1, 1), (2, 2), (3, 3), (7, 3), (9, 3)])
def test_a_reply_streams_in_a_few_pieces_of_whole_sentences(sentences, pieces):
    text = " ".join(f"Sentence {i} ends here." for i in range(sentences))
    got = list(ui.stream(text, delay=0))
    assert len(got) == pieces and "".join(got) == text
    assert all(p.rstrip().endswith(".") for p in got)


def test_plain_escapes_every_markdown_and_html_mark():
    shown = ui.plain("<b>x</b> [a](javascript:1) *y* $z$ # h")
    assert unescape_md(shown) == "<b>x</b> [a](javascript:1) *y* $z$ # h"
    assert "<" not in shown.replace("\\<", "") and "[" not in shown.replace("\\[", "")


def test_call_and_text_links_are_built_from_digits_only():
    r = Resource(name="Line", contact="Call", call="116 123", sms="741741", sms_body="HOME NOW")
    assert ui.tel_href(r) == "tel:116123"
    assert ui.sms_href(r) == "sms:741741?&body=HOME%20NOW"
    assert ui.tel_href(Resource(name="x", contact="y")) == ""


@pytest.mark.parametrize("text, expected", [
    ("A sentence [1]. Another [2]", 'A sentence [\\[1\\]](#src-m1-1 "Source 1"). Another [\\[2\\]](#src-m1-2 "Source 2")'),
    ("Escaped \\[3\\] stays text [4]", 'Escaped \\[3\\] stays text [\\[4\\]](#src-m1-4 "Source 4")'),
    ("A link [5](https://x) is left alone", "A link [5](https://x) is left alone"),
    ("No markers at all", "No markers at all"),
])
def test_citation_markers_become_links_to_their_source(text, expected):
    assert ui.linked(text, "m1", ui.words("en-US")) == expected


@pytest.mark.parametrize("source_type, year, locale, label", [
    ("popular_article", "unknown", "en-US", "[2] A title: Why (popular article, date not given)"),
    ("popular_article", "", "en-US", "[2] A title: Why (popular article, date not given)"),
    ("rct", "2021", "en-US", "[2] A title: Why (randomised trial, 2021)"),
    ("popular_article", "unknown", "es-US", "[2] A title: Why (artículo de divulgación, sin fecha indicada)"),
])
def test_citation_labels_name_title_section_type_and_year(source_type, year, locale, label):
    c = Citation(n=2, source_id="s", title="A title", url="", source_type=source_type, section="Why",
                 passage="p", year=year)
    assert unescape_md(ui.citation_label(c, ui.words(locale))) == label


def test_the_cache_key_never_holds_a_secret():
    plain_settings = Settings()
    secret = plain_settings.with_(llm_api_key="sk-very-secret-123", chroma_token="tok-456")
    assert ui._key(secret) == ui._key(plain_settings)  # the secret is not part of what is hashed
    assert ui._key(plain_settings.with_(top_k=3)) != ui._key(plain_settings)


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
    ask(at, "How many people responded to ketamine in the 2021 trial?")  # the passage with the 67%
    reply = last_reply(at)
    assert reply.route == "answer" and reply.citations
    assert "Stanford" not in reply.text and "fallback" not in reply.audit["llm"]
    assert "midazolam" in reply.text and reply.audit["llm"]["kept"] >= 1 and reply.audit["llm"]["dropped"]
    assert not any("Stanford" in m.value for m in at.markdown)


def test_the_page_passes_each_replys_route_and_check_in_back_to_the_screen():
    """bot/front/ui.py `history`: what the window reads in the next turn (a crisis reply, a
    check-in, the after-crisis text) comes from the replies the page kept."""
    from bot.types import Reply

    checked = Reply("no_answer", "text", extras={"check_in": True})
    plain = Reply("answer", "text")
    asked = Reply("crisis", "text", extras={"asked_first": True})  # the after-crisis text (stop 42)
    got = ui.history([{"role": "user", "text": "a"}, {"role": "assistant", "reply": checked},
                      {"role": "user", "text": "b"}, {"role": "assistant", "reply": plain},
                      {"role": "user", "text": "c"}, {"role": "assistant", "reply": asked}])
    assert got[1] == {"role": "assistant", "text": "text", "route": "no_answer", "check_in": True,
                      "asked_first": False}
    assert got[3]["check_in"] is False and got[0] == {"role": "user", "text": "a"}
    assert got[5]["asked_first"] is True and got[5]["route"] == "crisis"
