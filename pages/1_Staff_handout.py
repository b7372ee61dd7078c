"""Staff page: ask, keep or drop whole cited passages, pick a reading level, add a note, export;
and the popular article's claims table as a whole.

The handout is built by bot.front.handout from the same Replies patients get; nothing is rewritten.
"""

import streamlit as st

from bot import prompts
from bot.answering.claims import evidence_passages, load_claims
from bot.config import Settings, offline_environment
from bot.errors import BotError
from bot.front import handout, ui

MAX_QUESTIONS = 8

offline_environment()
st.set_page_config(page_title="Staff: prepare a handout", page_icon=ui.page_icon(),
                   layout="centered")
settings = Settings.from_env()
ui.style()
try:
    ui.assistant(settings)
except BotError:
    ui.not_ready()
    st.stop()
st.session_state.setdefault("staff_items", [])

st.title("Prepare a patient handout", anchor=False)
st.markdown(
    "Ask one or more questions, keep the cited passages you want, choose a reading level and "
    "export a handout. Passages are quoted whole, word for word, from reviewed sources and keep "
    "their numbered references; the reading level chooses passages, it never rewrites them."
)
st.page_link("app.py", label="Back to the patient chat", icon=":material/arrow_back:")

with st.form("staff_ask"):
    st.text_area("Questions, one per line", key="staff_questions", height=120,
                 placeholder="What did the research find about ketamine for PTSD?")
    asked = st.form_submit_button("Find cited answers", type="primary", icon=":material/search:",
                                  key="staff_ask_submit")
if asked:
    lines = [q.strip() for q in st.session_state["staff_questions"].splitlines() if q.strip()]
    assistant = ui.ready_assistant(settings)
    items = []
    with st.spinner("Looking through the reviewed sources…"):
        for q in lines[:MAX_QUESTIONS]:
            items.append({"question": q, "reply": assistant.respond([], q)})
    for key in [k for k in st.session_state if str(k).startswith("keep_")]:
        del st.session_state[key]
    st.session_state["staff_items"] = items
    if len(lines) > MAX_QUESTIONS:
        st.warning(f"Only the first {MAX_QUESTIONS} questions were used.")

items = st.session_state["staff_items"]
if items:
    st.header("Choose the passages to keep", anchor=False)
    for i, item in enumerate(items):
        reply = item["reply"]
        st.subheader(ui.plain(item["question"]), anchor=False)
        if not reply.citations:
            st.info(f"No cited passage for this question (route: {reply.route}). "
                    "It will appear in the handout without an answer.")
            continue
        by_n = {s.n: s for s in handout.passages(reply)}
        for c in reply.citations:
            if c.n not in by_n:
                continue  # the popular article is kept only as a claim sentence
            s = by_n[c.n]
            st.checkbox(ui.citation_label(c), value=True, key=f"keep_{i}_{c.n}")
            grade = handout.reading_grade(s.text, settings.data_dir)
            lead = f"{s.lead} " if s.lead else ""
            st.markdown(f"> {lead}{ui.plain(s.text)}".replace("\n", "\n> "))
            st.caption(f"Grade {grade if grade is not None else 'n/a'}")

    st.header("Draft", anchor=False)
    st.radio("Reading level", list(handout.LEVELS), format_func=handout.LEVELS.__getitem__,
             key="staff_level")
    st.text_input("Handout title", value=handout.DEFAULT_TITLE, key="staff_title", max_chars=120)
    st.text_area("Clinic note (optional; shown at the top of the handout)", key="staff_note",
                 height=100, max_chars=2000)
    st.selectbox("Crisis lines in the footer", list(ui.LOCALE_NAMES),
                 format_func=ui.LOCALE_NAMES.__getitem__, key="staff_locale")

    chosen = [(item["question"], item["reply"],
               [c.n for c in item["reply"].citations if st.session_state.get(f"keep_{i}_{c.n}", True)])
              for i, item in enumerate(items)]
    draft = handout.build(chosen, st.session_state["staff_level"], st.session_state["staff_note"],
                          cache_dir=settings.data_dir)
    locale = st.session_state["staff_locale"]
    footer = (prompts.text(settings.prompts_dir, "disclaimer", locale),
              prompts.resources(settings.prompts_dir, locale))
    title = st.session_state["staff_title"].strip() or handout.DEFAULT_TITLE
    markdown = handout.to_markdown(draft, *footer, title=title)
    page = handout.to_html(draft, *footer, title=title)
    grade = handout.reading_grade(draft.body_text, settings.data_dir)
    st.session_state["staff_export"] = {"markdown": markdown, "html": page}  # this session only

    # Export first: a finished run has always drawn the buttons with the draft shown below.
    st.subheader("Export", anchor=False)
    with st.container(horizontal=True):
        st.download_button("Download Markdown", markdown, file_name="handout.md",
                           mime="text/markdown", key="export_md", icon=":material/download:",
                           on_click="ignore")
        st.download_button("Download printable HTML", page, file_name="handout.html",
                           mime="text/html", key="export_html", icon=":material/print:",
                           on_click="ignore")
    st.caption("Open the HTML file and use your browser's Print command for paper or PDF.")

    preview, measure = st.columns([5, 2])
    with measure:
        low, high = handout.TARGET_GRADE
        st.metric("Reading grade", "n/a" if grade is None else f"{grade:.1f}",
                  help="Flesch-Kincaid grade of the quoted sentences, measured with textstat. "
                       f"Plain-language target: grade {low:.0f} to {high:.0f}.")
        if grade is None:
            st.caption("Keep at least one passage to measure the draft.")
        elif grade <= high:
            st.success(f"Within the plain-language target (grade {high:.0f} or lower).")
        else:
            st.warning("Above the plain-language target. Try the plain reading level or drop the "
                       "sentences with the highest grade; quoted sentences are never reworded.")
    with preview, st.container(border=True, key="staff_preview"):
        st.markdown(handout.demote(markdown))

claims = load_claims(settings.corpus_dir)
if claims:
    st.header("The popular article's claims, checked", anchor=False)
    st.markdown("Every claim sentence of the popular article, with our verdict, the reason and the "
                "passage that holds the evidence. The chat quotes the article only this way.")
    try:
        by_key = evidence_passages(ui.assistant(settings).retriever.index().passages, "en")
    except BotError:
        by_key = {}
    rows = []
    for c in claims:
        evidence = by_key.get(c.evidence)
        url = handout.safe_url(evidence.meta.get("url", "")) if evidence else ""
        rows.append({"Claim": c.claim, "Verdict": c.verdict, "Why": c.why,
                     "Evidence": c.evidence.replace("#", ": ", 1), "Evidence link": url or None})
    st.dataframe(rows, hide_index=True, use_container_width=True, key="staff_claims",
                 column_config={"Evidence link": st.column_config.LinkColumn("Evidence link")})
