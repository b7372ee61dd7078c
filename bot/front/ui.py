"""Streamlit rendering of the patient chat and the pieces the staff page shares.

app.py and pages/ stay thin scripts; everything they show is decided by bot.chat and drawn
here. Nothing a person typed or a passage says is rendered as HTML: user and passage text go
through `plain()` (every Markdown punctuation mark escaped) and reply text is Markdown that
bot.answering already escaped. Only http(s) links from the corpus are made clickable.

Every word of page chrome comes from prompts/ui.<lang>.yaml. The constant CSS and script are
bot/front/data/page.css and page.js (skip link, live region, scrolling, [n] links, the safety
plan's download and print). What is read from a Reply, never decided here:
route; text; citations (n, title, section, source_type, year, refs, url, passage);
resources; notice; extras["crisis_kind"] ("others": emergency number first), extras
["safety_plan"] and ["grounding"] (drawn when present), extras["after_crisis"]; audit["locale"]
(the reply's language) and audit["flags"] ("after_crisis", "after_crisis_misread",
"history_crisis": the turn after a crisis reply).
"""

from __future__ import annotations

import dataclasses
import hashlib
import html
import json
import logging
import re
import threading
import time
import uuid
from collections.abc import Iterator
from functools import lru_cache
from pathlib import Path
from urllib.parse import urlsplit

import streamlit as st
import yaml

from bot import prompts
from bot import text as textlib
from bot.chat import Assistant, assistant_for, split_suggestions, warm
from bot.config import Settings
from bot.errors import PromptMissing
from bot.front import feedback, timing
from bot.front.handout import source_label
from bot.text import md_link_target, safe_url
from bot.types import Citation, Reply, Resource

LOCALE_NAMES = {
    "en-US": "English · United States",
    "en-GB": "English · United Kingdom",
    "en-CA": "English · Canada",
    "en-AU": "English · Australia",
    "es-US": "Español · Estados Unidos",
}
BADGE_COLORS = {
    "rct": "green", "meta_analysis": "green", "guideline": "blue", "regulatory_label": "blue",
    "review": "violet", "patient_education": "gray", "popular_article": "orange",
    "crisis_resource": "red",
}
# Settings fields never folded into the cache key (issue 14): a key is no place for a secret.
_SECRET_FIELD = re.compile(r"key|token|secret|password", re.I)
_DATA = Path(__file__).with_name("data")
log = logging.getLogger(__name__)
STREAM_DELAY = 0.04  # seconds between streamed pieces: readable, not theatrical
# A reply streams in at most this many pieces (runs of whole sentences): each piece re-sends the
# text so far and the browser redraws it, which 20 patients at once pay for on the server's
# cores and their own (the load test measured 7-9 pieces per reply at one per sentence).
STREAM_PIECES = 3
_PUNCT = re.compile(r"([!-/:-@\[-`{-~])")
_SENTENCE = re.compile(r".+?(?:[.!?\]](?=\s)|$)\s*", re.S)
# A citation marker as bot.answering writes it: "[n]" not escaped and not already a link.
_MARKER = re.compile(r"(?<![\\\w\]])\[(\d{1,3})\](?!\()")


# --- words of the page, from prompts/ui.<lang>.yaml ------------------------------------------


@lru_cache(maxsize=8)
def _words(path: Path) -> dict:
    if not path.is_file():
        raise PromptMissing(f"missing page words: {path}")
    return yaml.safe_load(path.read_text(encoding="utf-8"))


def words(locale: str, prompts_dir: Path | None = None) -> dict:
    """The page's labels, buttons and status lines in the locale's language."""
    folder = Path(prompts_dir) if prompts_dir else Path(__file__).resolve().parents[2] / "prompts"
    return _words(folder / f"ui.{prompts.language(locale)}.yaml")


def reply_locale(msg: dict) -> str:
    """The language a reply is in (a Spanish question on an English page gets Spanish)."""
    return prompts.normalize_locale(msg["reply"].audit.get("locale") or msg.get("locale"))


# --- text helpers --------------------------------------------------------------------------


def plain(text: str) -> str:
    """Text shown literally inside Markdown: every ASCII punctuation mark backslash-escaped,
    so no HTML, link, emphasis, list, heading or LaTeX can form from it."""
    return _PUNCT.sub(r"\\\1", str(text or ""))


def linked(text: str, mid: str, w: dict) -> str:
    """Reply Markdown with each [n] marker made a same-page link that page.js turns into
    "open source n" (the reply's own words are untouched)."""
    label = w["source_link"]
    return _MARKER.sub(lambda m: f'[\\[{m[1]}\\]](#src-{mid}-{m[1]} "{label.format(n=m[1])}")', text)


def sentence_chunks(text: str) -> Iterator[str]:
    """Pieces of `text`, a sentence at a time, that join back to exactly `text`."""
    for m in _SENTENCE.finditer(text):
        yield m.group(0)


def stream(text: str, delay: float = STREAM_DELAY, pieces: int = STREAM_PIECES) -> Iterator[str]:
    """A generator for st.write_stream that only ever yields the Reply's own text, in at most
    `pieces` runs of whole sentences."""
    sentences = list(sentence_chunks(text))
    size = max(1, -(-len(sentences) // max(1, pieces)))
    for i in range(0, len(sentences), size):
        if i and delay:
            time.sleep(delay)
        yield "".join(sentences[i:i + size])


def tel_href(r: Resource) -> str:
    return textlib.tel_href(r.call)


def sms_href(r: Resource) -> str:
    return textlib.sms_href(r.sms, r.sms_body)


def year_label(c: Citation, w: dict) -> str:
    year = str(c.year or "").strip()
    return w["date_not_given"] if not year or year.lower() in ("unknown", "n.d.", "none") else year


# --- heavy objects ---------------------------------------------------------------------------


@st.cache_resource(show_spinner=False)
def _assistant(key: str, _settings: Settings) -> Assistant:
    return assistant_for(_settings)


@st.cache_resource(show_spinner=False)
def _warm_up(key: str, _assistant: Assistant) -> threading.Thread:
    """The thread loading the model, index and screen model: bot.chat.warm's, which the server
    may already have started (python -m bot.front.serve), so the page never starts a second."""
    return warm(_assistant.settings)


def _key(settings: Settings) -> str:
    """The cache key of a Settings: its shown fields, never a secret (an API key or a token
    changes nothing here and is neither hashed nor kept in the key)."""
    parts = [(f.name, repr(getattr(settings, f.name))) for f in dataclasses.fields(settings)
             if f.repr and not _SECRET_FIELD.search(f.name)]
    return hashlib.sha256(repr(parts).encode()).hexdigest()


def assistant(settings: Settings) -> Assistant:
    """The process-wide Assistant; starts loading the model and index in the background so the
    page renders at once."""
    a = _assistant(_key(settings), settings)
    _warm_up(_key(settings), a)
    return a


class _StillLoading:
    """Stands in for the embedder while the real one loads: bot.chat then screens the turn with
    the guard's rule layer alone, which needs no model."""

    def encode(self, texts, show_progress: bool = False):
        raise RuntimeError("the embedding model is still loading")


_STILL_LOADING = _StillLoading()


def reply_for(settings: Settings, a: Assistant, warm: threading.Thread, turns: list[dict],
              message: str, locale: str) -> Reply:
    """respond(), crisis first, under one status line: while the model is still loading, a turn
    the rule layer already routes to crisis gets the crisis reply at once; any other turn waits
    for the model."""
    w = words(locale, settings.prompts_dir)
    if warm.is_alive():
        early = assistant_for(settings.with_(embedder=_STILL_LOADING)).respond(turns, message, locale=locale)
        if early.route == "crisis":
            return early
    with st.spinner(w["loading"] if warm.is_alive() else w["thinking"]):
        warm.join()
        if a.chat_model is not None:
            return live(a, turns, message, locale)
        return a.respond(turns, message, locale=locale)


def live(a: Assistant, turns: list[dict], message: str, locale: str) -> Reply:
    """With a chat model configured: show each generated sentence as soon as it has passed
    the grounding check, then hand back the final Reply (which replaces the live text)."""
    placeholder = st.empty()
    shown: list[str] = []
    for item in a.stream(turns, message, locale=locale):
        if isinstance(item, Reply):
            placeholder.empty()
            return item
        shown.append(item)
        placeholder.markdown(" ".join(shown))
    raise RuntimeError("the stream ended without a Reply")


def ready_assistant(settings: Settings, spinner: str = "Opening the reviewed sources…") -> Assistant:
    """The Assistant once its model and index are loaded (waits with a spinner the first time)."""
    a = assistant(settings)
    thread = _warm_up(_key(settings), a)
    if thread.is_alive():
        with st.spinner(spinner):
            thread.join()
    return a


# --- session ---------------------------------------------------------------------------------


def init_state(settings: Settings) -> None:
    st.session_state.setdefault("messages", [])
    if st.session_state.get("locale") not in LOCALE_NAMES:
        st.session_state["locale"] = prompts.normalize_locale(settings.locale)


def start_over() -> None:
    """Erase the conversation, safety-plan drafts and feedback state from this session."""
    for key in list(st.session_state.keys()):
        if key != "locale":
            del st.session_state[key]
    st.session_state["messages"] = []


def _confirming(value: bool) -> None:
    st.session_state["confirm_start_over"] = value


def queue(question: str) -> None:
    st.session_state["pending"] = question


def history(messages: list[dict]) -> list[dict]:
    """The conversation as bot.chat.respond() takes it."""
    out = []
    for m in messages:
        if m["role"] == "user":
            out.append({"role": "user", "text": m["text"]})
        else:
            out.append({"role": "assistant", "text": m["reply"].text, "route": m["reply"].route,
                        "check_in": bool(m["reply"].extras.get("check_in")),
                        "asked_first": bool(m["reply"].extras.get("asked_first"))})
    return out


# --- page pieces -----------------------------------------------------------------------------


@lru_cache(maxsize=1)
def page_icon():
    """The tab icon, drawn here so the page asks no font or emoji CDN for it (works offline)."""
    from PIL import Image, ImageDraw

    img = Image.new("RGBA", (64, 64), (0, 0, 0, 0))
    d = ImageDraw.Draw(img)
    d.rounded_rectangle((2, 2, 62, 62), radius=14, fill="#1f5f8b")
    d.rounded_rectangle((12, 14, 52, 42), radius=8, fill="#ffffff")
    d.polygon([(20, 40), (30, 40), (18, 52)], fill="#ffffff")
    return img


def preload(settings: Settings) -> None:
    """What the first page view would otherwise do itself (python -m bot.front.serve calls this
    while the server starts): draw the tab icon, read the page words, CSS and script."""
    page_icon()
    for name in ("page.css", "page.js"):
        _asset(name)
    for locale in LOCALE_NAMES:
        words(locale, settings.prompts_dir)
        prompts.resources(settings.prompts_dir, locale)


def page_config(settings: Settings, locale: str) -> None:
    st.set_page_config(page_title=words(locale, settings.prompts_dir)["page_title"], page_icon=page_icon(),
                       layout="centered", initial_sidebar_state="collapsed")


def disclaimer(settings: Settings, locale: str) -> str:
    return prompts.text(settings.prompts_dir, "disclaimer", locale)


def resource_line(settings: Settings, locale: str) -> str:
    """One short Markdown line of the locale's crisis lines with tap-to-call/text links."""
    parts, seen = [], set()
    w = words(locale, settings.prompts_dir)
    for r in prompts.resources(settings.prompts_dir, locale):
        links = []
        for href, verb, number in ((tel_href(r), w["call"], r.call), (sms_href(r), w["text"], r.sms)):
            if href and href not in seen:
                seen.add(href)
                links.append(f"[{verb.format(number=plain(number))}]({href})")
        if links:
            parts.append(f"{plain(r.name)}: {' · '.join(links)}")
    return " | ".join(parts)


def short_line(settings: Settings, locale: str) -> str:
    """The locale's first actions as one line of tap-to-call/text links (the pinned line on a phone)."""
    w = words(locale, settings.prompts_dir)
    items = prompts.resources(settings.prompts_dir, locale)
    return " · ".join(f"[{label}]({href})" for label, href, _ in primary_actions(settings, items, locale, w))


def always_visible(settings: Settings, locale: str) -> None:
    """The disclaimer and the locale's crisis lines, pinned above the chat box: every line on a
    wide screen, the first actions only on a phone (so the pinned area leaves room to read)."""
    with st.bottom, st.container(key="pinned", gap="xxsmall"):
        st.markdown(disclaimer(settings, locale), width="stretch")
        with st.container(key="pinned_full"):
            st.markdown(resource_line(settings, locale), width="stretch")
        with st.container(key="pinned_short"):
            st.markdown(short_line(settings, locale), width="stretch")


@lru_cache(maxsize=4)
def _asset(name: str) -> str:
    return (_DATA / name).read_text(encoding="utf-8")


def style() -> None:
    """The page's constant CSS (contrast, the crisis box, big buttons; bot/front/data/page.css)."""
    st.html(f"<style>{_asset('page.css')}</style>")


def page_script(settings: Settings, locale: str) -> None:
    """page.js (skip link, live region, scrolling, [n] links, the safety plan's download and
    print) and the one marker it reads: the page language and two labels from prompts/."""
    w = words(locale, settings.prompts_dir)
    attrs = _data_attrs(lang=w["lang"], skip=w["skip_link"], new_reply=w["new_reply"])
    st.html(f'<div id="bot-page" {attrs}></div><script>{_asset("page.js")}</script>',
            unsafe_allow_javascript=True)


def _data_attrs(**values: str) -> str:
    return " ".join(f'data-{k.replace("_", "-")}="{html.escape(str(v), quote=True)}"' for k, v in values.items())


def not_ready() -> None:
    """What a person sees when the assistant's reviewed texts are missing (an operator error):
    no answers, but the emergency numbers, which need no file."""
    st.title("Ketamine treatment for PTSD: your questions answered", anchor=False)
    st.error("This assistant is not available right now. **If you are in danger, call 911, or call "
             "or text 988** (United States). Outside the US, call your local emergency number.")
    st.caption("For the operator: a fixed text or crisis-lines file under prompts/ is missing; "
               "see the server log.")


def header(settings: Settings, locale: str) -> None:
    w = words(locale, settings.prompts_dir)
    st.title(w["title"], anchor=False)
    st.markdown(w["intro"])


def controls(settings: Settings, locale: str) -> None:
    """The locale picker and "Start over", which asks before it erases anything."""
    w = words(locale, settings.prompts_dir)
    left, right = st.columns([3, 1], vertical_alignment="bottom")
    with left:
        st.selectbox(w["locale_label"], list(LOCALE_NAMES), format_func=LOCALE_NAMES.__getitem__,
                     key="locale")
    with right:
        st.button(w["start_over"], key="start_over", on_click=_confirming, args=(True,),
                  icon=":material/restart_alt:", help=w["start_over_help"], width="stretch")
    if st.session_state.get("confirm_start_over") and st.session_state["messages"]:
        with st.container(key="confirm", border=True):
            st.markdown(f"**{w['start_over_confirm']}**")
            with st.container(horizontal=True):
                st.button(w["start_over_yes"], key="start_over_yes", on_click=start_over, type="primary")
                st.button(w["start_over_no"], key="start_over_no", on_click=_confirming, args=(False,))


def starters(settings: Settings, locale: str) -> None:
    """The starter questions, in one container so the next run replaces them at once (no faded
    buttons left on screen while the first answer is prepared)."""
    w = words(locale, settings.prompts_dir)
    with st.container(key="starters"):
        st.header(w["starters_heading"], anchor=False)
        for i, q in enumerate(w["starters"]):
            st.button(q, key=f"starter_{i}", on_click=queue, args=(q,), width="stretch")


# --- replies ---------------------------------------------------------------------------------


def citation_label(c: Citation, w: dict | None = None) -> str:
    """"[n] Title: Section (type, year)": two passages of one document stay distinguishable."""
    w = w or words("en-US")
    kind = w["source_types"].get(c.source_type) or source_label(c.source_type)
    title = plain(c.title) + (f": {plain(c.section)}" if c.section else "")
    return f"[{c.n}] {title} ({plain(kind)}, {plain(year_label(c, w))})"


def citations(reply: Reply, mid: str, w: dict) -> None:
    st.markdown(f"**{w['sources']}**")
    for c in reply.citations:
        with st.expander(citation_label(c, w), key=f"cite_{mid}_{c.n}"):
            kind = w["source_types"].get(c.source_type) or source_label(c.source_type)
            st.badge(kind, color=BADGE_COLORS.get(c.source_type, "gray"))
            st.markdown(f"**{plain(c.title)}**")
            meta = [x for x in (c.authors, year_label(c, w)) if x]
            st.markdown(plain(", ".join(meta)))
            if c.section:
                st.markdown(f"{w['section']}: {plain(c.section)}")
            st.markdown(w["passage_intro"])
            st.markdown("\n".join(f"> {plain(line)}" if line.strip() else ">" for line in c.passage.splitlines()))
            refs = [r for r in (getattr(c, "refs", ()) or ()) if r.get("cite")]
            if refs:  # what the passage itself cites, each with its own link
                st.markdown(f"{w['refs_heading']}\n\n" + "\n".join(
                    f"- {plain(r['cite'])}" + (f" [{plain(urlsplit(safe_url(r.get('url', ''))).netloc)}]"
                                               f"({md_link_target(safe_url(r['url']))})"
                                               if safe_url(r.get("url", "")) else "") for r in refs))
            if c.reviewed_on:
                st.caption(w["reviewed_on"].format(date=plain(c.reviewed_on)))
            url = safe_url(c.url)
            if url:
                host = urlsplit(url).netloc
                st.markdown(f"[{w['open_source'].format(host=plain(host))}]({md_link_target(url)})")


def resources(items: list[Resource], w: dict, mid: str) -> None:
    for j, r in enumerate(items):
        with st.container(border=True, key=f"res_{mid}_{j}"):
            st.markdown(f"**{plain(r.name)}**  \n{plain(r.contact)}"
                        + (f"  \n{plain(r.hours)}" if r.hours else ""))
            with st.container(horizontal=True, gap="small"):
                if tel_href(r):
                    st.link_button(w["call"].format(number=plain(r.call)), tel_href(r),
                                   icon=":material/call:", key=f"call_{mid}_{j}")
                if sms_href(r):
                    st.link_button(w["text"].format(number=plain(r.sms)), sms_href(r),
                                   icon=":material/sms:", key=f"sms_{mid}_{j}")
                if safe_url(r.web):
                    st.link_button(w["web"], safe_url(r.web), icon=":material/open_in_new:",
                                   key=f"web_{mid}_{j}")
            notes = [plain(r.note)] if r.note else []
            if r.last_verified:
                notes.append(f"{w['checked']} {plain(r.last_verified)}")
            if notes:
                st.caption(" · ".join(notes))


@lru_cache(maxsize=32)
def _emergency_number(path: Path) -> str:
    data = yaml.safe_load(path.read_text(encoding="utf-8")) if path.is_file() else {}
    return str((data or {}).get("emergency_number") or "")


def primary_actions(settings: Settings, items: list[Resource], locale: str, w: dict,
                    kind: str = "") -> list[tuple[str, str, str]]:
    """The locale's first actions as (label, href, icon): call and text the crisis line, and the
    emergency number; the emergency number first when someone else is at risk."""
    number = _emergency_number(Path(settings.prompts_dir) / "resources" / f"{prompts.normalize_locale(locale)}.yaml")
    emergency = next((r for r in items if tel_href(r) and number and r.call == number), None)
    line = next((r for r in items if r is not emergency and (tel_href(r) or sms_href(r))), None)
    out = []
    if line and tel_href(line):
        out.append((w["call"].format(number=plain(line.call)), tel_href(line), ":material/call:"))
    if line and sms_href(line):
        out.append((w["text"].format(number=plain(line.sms)), sms_href(line), ":material/sms:"))
    if emergency:
        first = kind == "others"
        action = (w["emergency"].format(number=plain(emergency.call)), tel_href(emergency), ":material/emergency:")
        out = [action, *out] if first else [*out, action]
    return out


def actions(settings: Settings, items: list[Resource], locale: str, mid: str, kind: str = "",
            compact: bool = False) -> None:
    """Big call / text / emergency buttons (columns stack on a phone, side by side on a desk);
    `compact`: one row of ordinary-sized ones, for lines kept beside an answer."""
    w = words(locale, settings.prompts_dir)
    buttons = primary_actions(settings, items, locale, w, kind)
    if not buttons:
        return
    if compact:
        with st.container(horizontal=True, gap="small"):
            for i, (label, href, icon) in enumerate(buttons):
                st.link_button(label, href, icon=icon, key=f"keep_{mid}_{i}")
        return
    for i, (col, (label, href, icon)) in enumerate(zip(st.columns(len(buttons)), buttons, strict=True)):
        with col:
            st.link_button(label, href, icon=icon, type="primary" if i == 0 else "secondary",
                           width="stretch", key=f"act_{mid}_{i}")


def plan_buttons(settings: Settings, reply: Reply, locale: str, mid: str) -> None:
    """Download and Print, done by page.js from the boxes as they are at that moment."""
    w = words(locale, settings.prompts_dir)
    lines = [f"{r.name}: {r.contact}" + (f" ({r.hours})" if r.hours else "") for r in reply.resources]
    attrs = _data_attrs(mid=mid, title=w["plan_file_title"], fields=json.dumps(list(w["plan_fields"].items())),
                        lines=json.dumps(lines), lines_title=w["plan_file_lines"],
                        filename="my-safety-plan.txt")
    st.html(f'<div class="bot-plan-buttons">'
            f'<button type="button" class="bot-plan-download" {attrs}>{html.escape(w["plan_download"])}</button>'
            f'<button type="button" class="bot-plan-print" {attrs}>{html.escape(w["plan_print"])}</button></div>')


def after_crisis(reply: Reply) -> str:
    """What kind of turn after a crisis reply this is, as bot.chat and the screen said (never
    decided here): "deflection" (a crisis reply again, with its own text saying why), "followup"
    (a crisis reply kept for the conversation), "cleared" or "misread" (an answer, lines kept)."""
    flags = set(reply.audit.get("flags") or ())
    marked = reply.extras.get("after_crisis")
    if isinstance(marked, str) and marked:
        return marked
    if reply.route == "crisis":
        return "deflection" if "after_crisis" in flags else "followup" if "history_crisis" in flags else ""
    if "after_crisis_misread" in flags:
        return "misread"
    return "cleared" if marked or "after_crisis" in flags else ""


def why_lines(settings: Settings, locale: str, mid: str, kind: str) -> None:
    notes = words(locale, settings.prompts_dir)["after_crisis"]
    with st.container(key=f"why_{mid}"):
        st.markdown(notes.get(kind) or notes["followup"])


def crisis(settings: Settings, reply: Reply, mid: str, locale: str) -> None:
    """A crisis reply: a distinct box whose first thing is the call / text / emergency buttons
    (the emergency number first when someone else is at risk), then the kind words and every
    line; then a safety plan and one grounding exercise when the reply carries them. A crisis
    reply given again after a crisis says why and keeps the buttons, without a second plan."""
    w = words(locale, settings.prompts_dir)
    kind = str(reply.extras.get("crisis_kind") or "")
    again = after_crisis(reply)
    with st.container(border=True, key=f"crisis_{mid}"):
        if again == "deflection":  # its text says why the lines are back; the buttons follow
            st.markdown(reply.text)
            actions(settings, reply.resources, locale, mid, kind)
        else:
            if again:
                why_lines(settings, locale, mid, again)
            actions(settings, reply.resources, locale, mid, kind)
            if not again:
                st.header(w["crisis_heading_others" if kind == "others" else "crisis_heading"], anchor=False)
            st.markdown(reply.text)
        with st.expander(w["more_lines"], expanded=not again, key=f"lines_{mid}"):
            resources(reply.resources, w, mid)
    if again:
        return
    plan = reply.extras.get("safety_plan", "")
    if plan:
        with st.container(border=True, key=f"plan_{mid}"):
            st.markdown(plan)  # reviewed text from prompts/, with its own heading
            st.markdown(w["plan_help"])
            for fid, label in w["plan_fields"].items():
                st.text_area(label, key=f"plan_{mid}_{fid}", height=90)
            plan_buttons(settings, reply, locale, mid)
    grounding = reply.extras.get("grounding", "")
    if grounding:
        with st.container(border=True, key=f"ground_{mid}"):
            st.markdown(grounding)


def _rate(settings: Settings, mid: str) -> None:
    value = st.session_state.get(f"fb_{mid}")
    msg = _find(mid)
    if value is None or msg is None:
        return
    feedback.record(settings, msg["reply"], feedback.RATINGS[value], question=msg.get("question", ""),
                    answer_id=mid, locale=msg.get("locale", ""))


def _comment(settings: Settings, mid: str) -> None:
    value = st.session_state.get(f"fb_{mid}")
    text = st.session_state.get(f"fbtext_{mid}", "")
    msg = _find(mid)
    if value is None or msg is None or not text.strip():
        return
    feedback.record(settings, msg["reply"], feedback.RATINGS[value], comment=text,
                    question=msg.get("question", ""), answer_id=mid, locale=msg.get("locale", ""))
    st.session_state[f"fbsent_{mid}"] = True


def _find(mid: str) -> dict | None:
    return next((m for m in st.session_state.get("messages", []) if m.get("id") == mid), None)


def rating(settings: Settings, mid: str, w: dict) -> None:
    st.caption(w["helpful"])
    st.feedback("thumbs", key=f"fb_{mid}", on_change=_rate, args=(settings, mid))
    if st.session_state.get(f"fb_{mid}") is None:
        return
    if st.session_state.get(f"fbsent_{mid}"):
        st.caption(w["comment_thanks"])
        return
    with st.form(key=f"fbform_{mid}", border=False, clear_on_submit=True, enter_to_submit=True):
        st.text_input(w["comment_label"], key=f"fbtext_{mid}", max_chars=1000)
        st.form_submit_button(w["send_comment"], on_click=_comment, args=(settings, mid), key=f"fbsend_{mid}")


def reply_body(settings: Settings, msg: dict, streamed: bool = False) -> None:
    reply: Reply = msg["reply"]
    mid, locale = msg["id"], reply_locale(msg)
    w = words(locale, settings.prompts_dir)
    if reply.route == "crisis":
        crisis(settings, reply, mid, locale)
    else:
        again = after_crisis(reply)
        with st.container(key=f"reply_{mid}"):
            if again:  # one line on why the lines are back, and their buttons, then the answer
                with st.container(border=True, key=f"kept_{mid}"):
                    why_lines(settings, locale, mid, again)
                    actions(settings, reply.resources or prompts.resources(settings.prompts_dir, locale),
                            locale, mid, compact=True)
            body, asks, label = split_suggestions(reply)
            text = linked(body, mid, w)
            if streamed:
                st.write_stream(stream(text))
            else:
                st.markdown(text)
            if asks:  # "questions I can answer" after a decline: one tap asks one
                if label:
                    st.markdown(f"**{label}**")
                for i, q in enumerate(asks):
                    st.button(q, key=f"suggest_{mid}_{i}", on_click=queue, args=(q,), width="stretch")
            if reply.notice:
                st.caption(plain(reply.notice))
            if reply.citations:
                citations(reply, mid, w)
            if reply.resources and not again:
                resources(reply.resources, w, mid)
            if reply.route not in ("invalid", "support") and not reply.extras.get("low_mood"):
                # nobody in distress (the support text, or a warm decline after low mood) is asked to rate
                rating(settings, mid, w)
    if streamed:  # page.js brings the new reply's start into view (or shows a cue) and announces it
        st.html(f'<div class="bot-new-reply" data-mid="{mid}"></div>')


def replay(settings: Settings) -> None:
    for msg in st.session_state["messages"]:
        if msg["role"] == "user":
            with st.chat_message("user"):
                st.markdown(plain(msg["text"]))
        else:
            with st.chat_message("assistant"):
                reply_body(settings, msg)


def converse(settings: Settings, message: str) -> None:
    """Answer one message: echo it, compute the Reply, stream it, keep both in the session."""
    locale = st.session_state["locale"]
    messages = st.session_state["messages"]
    with st.chat_message("user"):
        st.markdown(plain(message))
    with st.chat_message("assistant"):
        a = assistant(settings)
        t = time.perf_counter()
        try:
            reply = reply_for(settings, a, _warm_up(_key(settings), a), history(messages), message, locale)
        except Exception:  # noqa: BLE001 - a person must never be left with a stack trace
            log.exception("respond() failed")  # the traceback, never the message
            reply = Reply("unavailable", prompts.text(settings.prompts_dir, "unavailable", locale),
                          resources=prompts.resources(settings.prompts_dir, locale))
        respond_ms, t = timing.since(t), time.perf_counter()
        msg = {"role": "assistant", "id": uuid.uuid4().hex[:12], "reply": reply, "locale": locale,
               "question": message if settings.log_messages else ""}
        messages.extend([{"role": "user", "text": message}, msg])
        reply_body(settings, msg, streamed=True)
    if timing.enabled():  # decisions and durations only, never the words
        timing.event("turn", session=session_tag(), route=reply.route, respond_ms=respond_ms,
                     inside_respond_ms=reply.audit.get("total_ms"), render_ms=timing.since(t))


def session_tag() -> str:
    """A short tag of this browser session to group its timings: the load test's own number
    for the page (?lt=N in its URL), else a one-way hash of Streamlit's session id."""
    from streamlit.runtime.scriptrunner import get_script_run_ctx

    given = str(st.query_params.get("lt", ""))[:8]
    if given.isdigit():
        return f"lt{given}"
    ctx = get_script_run_ctx()
    return hashlib.sha256(str(ctx.session_id if ctx else "").encode()).hexdigest()[:8]


def run_finished(t0: float, message: bool) -> None:
    """The timing log's record of one script run (BOT_TIMING_LOG; a no-op otherwise)."""
    if timing.enabled():
        timing.event("script_run", session=session_tag(), ms=timing.since(t0), message=message,
                     turns=len(st.session_state.get("messages", [])) // 2)
