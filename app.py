"""The patient page: a thin Streamlit script over bot.chat (drawing lives in bot.front.ui).

The page shell, disclaimer and starter questions render at once, in the chosen locale's
language (prompts/ui.<lang>.yaml); the model and index load in the background and the first
question waits for them under one status line.
"""

import time

import streamlit as st

from bot.config import Settings, offline_environment
from bot.errors import BotError
from bot.front import ui

offline_environment()
run_start = time.perf_counter()
settings = Settings.from_env()
ui.init_state(settings)
locale = st.session_state["locale"]
try:
    ui.page_config(settings, locale)
    ui.assistant(settings)  # starts loading the model and index without waiting for them
except BotError:  # a missing fixed text or crisis-lines file: say so, never half a page
    ui.not_ready()
    st.stop()

ui.style()
ui.page_script(settings, locale)
# The pinned line and chat box sit at the bottom wherever they are called; reading the chat
# box first lets a question that is being answered hide the starter questions in this run.
ui.always_visible(settings, locale)
prompt = st.chat_input(ui.words(locale, settings.prompts_dir)["placeholder"], key="question",
                       max_chars=settings.max_message_chars)
message = prompt or st.session_state.pop("pending", None)

ui.header(settings, locale)
ui.controls(settings, locale)
if not st.session_state["messages"] and not message:
    ui.starters(settings, locale)
ui.replay(settings)
if message:
    ui.converse(settings, message)
st.page_link("pages/1_Staff_handout.py", label=ui.words(locale, settings.prompts_dir)["staff_link"],
             icon=":material/description:")
ui.run_finished(run_start, bool(message))
