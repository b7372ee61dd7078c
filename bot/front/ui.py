"""Streamlit rendering of the patient chat and the pieces the staff page shares.

app.py and pages/ stay thin scripts; everything they show is decided by bot.chat and drawn
here. Nothing a person typed or a passage says is rendered as HTML: user and passage text go
through `plain()` (every Markdown punctuation mark escaped) and reply text is Markdown that
bot.answering.extractive already escaped. Only http(s) links from the corpus are made clickable.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
import re
import threading
import time
import uuid
from collections.abc import Iterator
from urllib.parse import quote, urlsplit

import streamlit as st

from bot import prompts
from bot.chat import Assistant, assistant_for
from bot.config import Settings
from bot.front import feedback
from bot.front.handout import md_link_target, safe_url, source_label
from bot.types import Citation, Reply, Resource

LOCALE_NAMES = {
    "en-US": "English · United States",
    "en-GB": "English · United Kingdom",
    "en-CA": "English · Canada",
    "en-AU": "English · Australia",
    "es-US": "Español · Estados Unidos",
}
STARTERS = (
    "What is ketamine-assisted treatment for PTSD?",
    "What did the research find about ketamine for PTSD?",
    "How long does the benefit of ketamine last?",
    "What side effects and risks does ketamine have?",
)
BADGE_COLORS = {
    "rct": "green", "meta_analysis": "green", "guideline": "blue", "regulatory_label": "blue",
    "review": "violet", "patient_education": "gray", "popular_article": "orange",
    "crisis_resource": "red",
}
# The few words of chrome around a crisis reply, in the reply's language (the reply itself
# comes from prompts/). Field ids are the four parts of a Stanley-Brown style safety plan.
CRISIS_WORDS = {
    "en": {
        "heading": "You deserve support right now",
        "reach": "Reach someone now",
        "call": "Call", "text": "Text", "web": "Website",
        "plan_help": "Write a few words in each box, press **Update my plan**, then download it. "
                     "What you write stays in this browser tab: it is not saved or sent anywhere.",
        "update": "Update my plan",
        "ready": "Your plan is ready to download.",
        "download": "Download my safety plan",
        "checked": "details checked",
        "fields": {  # the four parts named in prompts/safety_plan.md
            "warning_signs": "My warning signs",
            "coping": "Things I can do to cope",
            "people": "People I can contact",
            "safer": "Making my surroundings safer",
        },
        "file_title": "My safety plan",
        "file_lines": "Crisis lines",
    },
    "es": {  # usted, as in prompts/*.es.md
        "heading": "Usted merece apoyo ahora mismo",
        "reach": "Comuníquese con alguien ahora",
        "call": "Llamar al", "text": "Texto al", "web": "Sitio web",
        "plan_help": "Escriba unas palabras en cada cuadro, pulse **Actualizar mi plan** y luego "
                     "descárguelo. Lo que escriba se queda en esta pestaña: no se guarda ni se envía.",
        "update": "Actualizar mi plan",
        "ready": "Su plan está listo para descargar.",
        "download": "Descargar mi plan de seguridad",
        "checked": "datos verificados",
        "fields": {  # as in prompts/safety_plan.es.md
            "warning_signs": "Mis señales de alerta",
            "coping": "Cosas que puedo hacer para sobrellevarlo",
            "people": "Personas a quienes puedo acudir",
            "safer": "Hacer mi entorno más seguro",
        },
        "file_title": "Mi plan de seguridad",
        "file_lines": "Líneas de crisis",
    },
}
log = logging.getLogger(__name__)
STREAM_DELAY = 0.04  # seconds between streamed sentences: readable, not theatrical
_PUNCT = re.compile(r"([!-/:-@\[-`{-~])")
_SENTENCE = re.compile(r".+?(?:[.!?\]](?=\s)|$)\s*", re.S)


# --- text helpers --------------------------------------------------------------------------


def plain(text: str) -> str:
    """Text shown literally inside Markdown: every ASCII punctuation mark backslash-escaped,
    so no HTML, link, emphasis, list, heading or LaTeX can form from it."""
    return _PUNCT.sub(r"\\\1", str(text or ""))


def sentence_chunks(text: str) -> Iterator[str]:
    """Pieces of `text`, a sentence at a time, that join back to exactly `text`."""
    for m in _SENTENCE.finditer(text):
        yield m.group(0)


def stream(text: str, delay: float = STREAM_DELAY) -> Iterator[str]:
    """A generator for st.write_stream that only ever yields the Reply's own text."""
    for i, piece in enumerate(sentence_chunks(text)):
        if i and delay:
            time.sleep(delay)
        yield piece


def tel_href(r: Resource) -> str:
    number = re.sub(r"[^0-9+*#]", "", r.call)
    return f"tel:{number}" if number else ""


def sms_href(r: Resource) -> str:
    number = re.sub(r"[^0-9+]", "", r.sms)
    if not number:
        return ""
    return f"sms:{number}" + (f"?&body={quote(r.sms_body)}" if r.sms_body else "")


def words(locale: str) -> dict:
    return CRISIS_WORDS[prompts.language(locale)]


# --- heavy objects ---------------------------------------------------------------------------


@st.cache_resource(show_spinner=False)
def _assistant(key: str, _settings: Settings) -> Assistant:
    return assistant_for(_settings)


def _load(assistant: Assistant) -> None:
    """Load the model, the index and the screen's semantic layer. Failures are left for
    respond() to report (the crisis screen works without any of them)."""
    for step in (assistant.settings.get_embedder, assistant.retriever.index, lambda: _guard(assistant)):
        try:
            step()
        except Exception:  # noqa: BLE001, S112 - see the docstring
            continue


def _guard(assistant: Assistant) -> None:
    from bot.safety.screen import semantic_model

    semantic_model(assistant.settings)


@st.cache_resource(show_spinner=False)
def _warm_up(key: str, _assistant: Assistant) -> threading.Thread:
    thread = threading.Thread(target=_load, args=(_assistant,), name="bot-warm-up", daemon=True)
    thread.start()
    return thread


def _key(settings: Settings) -> str:
    return hashlib.sha256(repr(settings).encode()).hexdigest()  # no API key kept in a cache key


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
    """respond(), crisis first: while the model is still loading, a turn the rule layer already
    routes to crisis gets the crisis reply at once; any other turn waits for the model."""
    if warm.is_alive():
        early = assistant_for(settings.with_(embedder=_STILL_LOADING)).respond(turns, message, locale=locale)
        if early.route == "crisis":
            return early
        with st.spinner("Opening the reviewed sources (only the first question waits for this)…"):
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


def queue(question: str) -> None:
    st.session_state["pending"] = question


def history(messages: list[dict]) -> list[dict]:
    """The conversation as bot.chat.respond() takes it."""
    out = []
    for m in messages:
        if m["role"] == "user":
            out.append({"role": "user", "text": m["text"]})
        else:
            out.append({"role": "assistant", "text": m["reply"].text, "route": m["reply"].route})
    return out


# --- page pieces -----------------------------------------------------------------------------


def disclaimer(settings: Settings, locale: str) -> str:
    return prompts.text(settings.prompts_dir, "disclaimer", locale)


def resource_line(settings: Settings, locale: str) -> str:
    """One short Markdown line of the locale's crisis lines with tap-to-call/text links."""
    parts, seen = [], set()
    w = words(locale)
    for r in prompts.resources(settings.prompts_dir, locale):
        links = []
        for href, verb, number in ((tel_href(r), w["call"], r.call), (sms_href(r), w["text"], r.sms)):
            if href and href not in seen:
                seen.add(href)
                links.append(f"[{verb} {plain(number)}]({href})")
        if links:
            parts.append(f"{plain(r.name)}: {' · '.join(links)}")
    return " | ".join(parts)


def always_visible(settings: Settings, locale: str) -> None:
    """The disclaimer and the locale's crisis lines, pinned above the chat box."""
    with st.bottom, st.container(key="pinned"):
        st.markdown(f"{disclaimer(settings, locale)}  \n{resource_line(settings, locale)}",
                    width="stretch")


# Constant CSS only (never anything a person or a passage wrote): a warm, distinct crisis box,
# 44 px tap targets for the call/text buttons, and a title and pinned line that fit 320 px.
STYLE = """<style>
[class*="st-key-crisis_"] { background: #fff6f2; border: 2px solid #a63d2a !important; }
[class*="st-key-call_"] a, [class*="st-key-sms_"] a, [class*="st-key-web_"] a { min-height: 44px; }
.st-key-pinned p { font-size: 0.9rem; line-height: 1.4; margin-bottom: 0.25rem; }
[data-testid="stCaptionContainer"], [data-testid="stCaptionContainer"] p { color: #454c52; }
@media (max-width: 640px) {
  h1 { font-size: 1.7rem !important; line-height: 1.25 !important; }
  .st-key-pinned p { font-size: 0.8rem; line-height: 1.3; }
}
</style>"""


def style() -> None:
    st.html(STYLE)


def not_ready() -> None:
    """What a person sees when the assistant's reviewed texts are missing (an operator error):
    no answers, but the emergency numbers, which need no file."""
    st.title("Ketamine treatment for PTSD: your questions answered", anchor=False)
    st.error("This assistant is not available right now. **If you are in danger, call 911, or call "
             "or text 988** (United States). Outside the US, call your local emergency number.")
    st.caption("For the operator: a fixed text or crisis-lines file under prompts/ is missing; "
               "see the server log.")


def header(settings: Settings) -> None:
    st.title("Ketamine treatment for PTSD: your questions answered", anchor=False)
    st.markdown(
        "Ask about ketamine-assisted treatment for post-traumatic stress disorder (PTSD). "
        "Every answer is quoted from reviewed sources, and each sentence has a number you can "
        "open to read the source. Your care team is the right place for decisions about your "
        "own treatment."
    )


def controls(settings: Settings) -> None:
    left, right = st.columns([3, 1], vertical_alignment="bottom")
    with left:
        st.selectbox("Your country and language (for crisis lines)", list(LOCALE_NAMES),
                     format_func=LOCALE_NAMES.__getitem__, key="locale")
    with right:
        st.button("Start over", key="start_over", on_click=start_over, icon=":material/restart_alt:",
                  help="Erase this conversation from this browser session", width="stretch")


def starters() -> None:
    st.header("Questions people often ask first", anchor=False)
    for i, q in enumerate(STARTERS):
        st.button(q, key=f"starter_{i}", on_click=queue, args=(q,), width="stretch")


# --- replies ---------------------------------------------------------------------------------


def citation_label(c: Citation) -> str:
    bits = [source_label(c.source_type)] + ([c.year] if c.year else [])
    return f"[{c.n}] {plain(c.title)} ({plain(', '.join(bits))})"


def citations(reply: Reply, mid: str) -> None:
    st.markdown("**Sources**")
    for c in reply.citations:
        with st.expander(citation_label(c), key=f"cite_{mid}_{c.n}"):
            st.badge(source_label(c.source_type), color=BADGE_COLORS.get(c.source_type, "gray"))
            st.markdown(f"**{plain(c.title)}**")
            meta = [x for x in (c.authors, c.year) if x]
            if meta:
                st.markdown(plain(", ".join(meta)))
            if c.section:
                st.markdown(f"Section: {plain(c.section)}")
            st.markdown("The passage this answer quotes:")
            st.markdown("\n".join(f"> {plain(line)}" if line.strip() else ">" for line in c.passage.splitlines()))
            if c.reviewed_on:
                st.caption(f"Source reviewed on {plain(c.reviewed_on)}")
            url = safe_url(c.url)
            if url:
                host = urlsplit(url).netloc
                st.markdown(f"[Open the source on {plain(host)}]({md_link_target(url)})")


def resources(items: list[Resource], locale: str, mid: str) -> None:
    w = words(locale)
    for j, r in enumerate(items):
        with st.container(border=True, key=f"res_{mid}_{j}"):
            st.markdown(f"**{plain(r.name)}**  \n{plain(r.contact)}"
                        + (f"  \n{plain(r.hours)}" if r.hours else ""))
            with st.container(horizontal=True, gap="small"):
                if tel_href(r):
                    st.link_button(f"{w['call']} {plain(r.call)}", tel_href(r), icon=":material/call:",
                                   type="primary", key=f"call_{mid}_{j}")
                if sms_href(r):
                    st.link_button(f"{w['text']} {plain(r.sms)}", sms_href(r), icon=":material/sms:",
                                   key=f"sms_{mid}_{j}")
                if safe_url(r.web):
                    st.link_button(w["web"], safe_url(r.web), icon=":material/open_in_new:",
                                   key=f"web_{mid}_{j}")
            notes = [plain(r.note)] if r.note else []
            if r.last_verified:
                notes.append(f"{w['checked']} {plain(r.last_verified)}")
            if notes:
                st.caption(" · ".join(notes))


def safety_plan_text(values: dict[str, str], locale: str, lines: list[Resource],
                     today: dt.date | None = None) -> str:
    """The person's own safety plan as a plain text file (built only for their download)."""
    w = words(locale)
    out = [w["file_title"], f"{(today or dt.date.today()).isoformat()}", ""]
    for i, (fid, label) in enumerate(w["fields"].items(), start=1):
        out += [f"{i}. {label}", (values.get(fid) or "").strip() or "-", ""]
    out.append(w["file_lines"])
    for r in lines:
        out.append(f"- {r.name}: {r.contact}" + (f" ({r.hours})" if r.hours else ""))
    return "\n".join(out) + "\n"


# Constant script (no user or passage text): the chat sticks to the bottom as content
# arrives, which would leave a person in crisis looking at the end of the grounding exercise;
# bring the top of the newest crisis box, with the call buttons, into view instead.
SHOW_CRISIS = """<script>
(() => {
  const doc = window.parent.document;
  let moved = false;  // stop as soon as the person scrolls or types themselves
  ["wheel", "touchstart", "keydown"].forEach((e) => doc.addEventListener(e, () => { moved = true; },
                                                                        {once: true, capture: true}));
  const show = () => {
    const boxes = doc.querySelectorAll('[class*="st-key-crisis_"]');
    if (!moved && boxes.length) boxes[boxes.length - 1].scrollIntoView({block: "start"});
  };
  [50, 300, 700, 1200, 2000, 3000].forEach((ms) => setTimeout(show, ms));
})();
</script>"""


def crisis(reply: Reply, mid: str, locale: str, new: bool = False) -> None:
    """A crisis reply: a distinct box with help first (shown at once, never streamed), then a
    safety plan the person can fill in and download, and one grounding exercise."""
    w = words(locale)
    with st.container(border=True, key=f"crisis_{mid}"):
        st.header(w["heading"], anchor=False)
        st.markdown(reply.text)
        st.subheader(w["reach"], anchor=False)
        resources(reply.resources, locale, mid)
    plan = reply.extras.get("safety_plan", "")
    with st.container(border=True, key=f"plan_{mid}"):
        st.markdown(plan)  # reviewed text from prompts/, with its own heading
        st.markdown(w["plan_help"])
        with st.form(key=f"planform_{mid}", border=False, enter_to_submit=False):
            for fid, label in w["fields"].items():
                st.text_area(label, key=f"plan_{mid}_{fid}", height=90)
            st.form_submit_button(w["update"], icon=":material/check:", key=f"planupdate_{mid}",
                                  on_click=st.session_state.__setitem__, args=(f"plansaved_{mid}", True))
        values = {fid: st.session_state.get(f"plan_{mid}_{fid}", "") for fid in w["fields"]}
        st.download_button(w["download"], safety_plan_text(values, locale, reply.resources),
                           file_name="my-safety-plan.txt", mime="text/plain", key=f"plandl_{mid}",
                           icon=":material/download:", on_click="ignore")
        if st.session_state.get(f"plansaved_{mid}"):  # drawn after the button it vouches for
            st.caption(w["ready"])
    grounding = reply.extras.get("grounding", "")
    if grounding:
        with st.container(border=True, key=f"ground_{mid}"):
            st.markdown(grounding)
    if new:
        st.html(SHOW_CRISIS, unsafe_allow_javascript=True)


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


def rating(settings: Settings, mid: str) -> None:
    st.caption("Was this answer helpful?")
    st.feedback("thumbs", key=f"fb_{mid}", on_change=_rate, args=(settings, mid))
    if st.session_state.get(f"fb_{mid}") is None:
        return
    if st.session_state.get(f"fbsent_{mid}"):
        st.caption("Thank you. Your comment was saved without your question or the answer.")
        return
    with st.form(key=f"fbform_{mid}", border=False, clear_on_submit=True, enter_to_submit=True):
        st.text_input("Comment (optional; please leave out personal details)", key=f"fbtext_{mid}",
                      max_chars=1000)
        st.form_submit_button("Send comment", on_click=_comment, args=(settings, mid), key=f"fbsend_{mid}")


def reply_body(settings: Settings, msg: dict, streamed: bool = False) -> None:
    reply: Reply = msg["reply"]
    mid, locale = msg["id"], msg.get("locale", "en-US")
    if reply.route == "crisis":
        crisis(reply, mid, locale, new=streamed)
        return
    if streamed:
        st.write_stream(stream(reply.text))
    else:
        st.markdown(reply.text)
    if reply.notice:
        st.caption(plain(reply.notice))
    if reply.citations:
        citations(reply, mid)
    if reply.resources:
        resources(reply.resources, locale, mid)
    if reply.route not in ("invalid",):
        rating(settings, mid)


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
        with st.spinner("Looking through the reviewed sources…"):
            try:
                reply = reply_for(settings, a, _warm_up(_key(settings), a), history(messages), message, locale)
            except Exception:  # noqa: BLE001 - a person must never be left with a stack trace
                log.exception("respond() failed")  # the traceback, never the message
                reply = Reply("unavailable", prompts.text(settings.prompts_dir, "unavailable", locale),
                              resources=prompts.resources(settings.prompts_dir, locale))
        msg = {"role": "assistant", "id": uuid.uuid4().hex[:12], "reply": reply, "locale": locale,
               "question": message if settings.log_messages else ""}
        messages.extend([{"role": "user", "text": message}, msg])
        reply_body(settings, msg, streamed=True)
