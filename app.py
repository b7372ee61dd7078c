"""The patient page: a thin Streamlit script over bot.chat (drawing lives in bot.front.ui).

The page shell, disclaimer and starter questions render at once; the model and index load
in the background and the first question waits for them with a spinner.
"""

import streamlit as st

from bot.config import Settings, offline_environment
from bot.errors import BotError
from bot.front import ui

offline_environment()
st.set_page_config(page_title="Ketamine & PTSD: questions answered", page_icon=":material/forum:",
                   layout="centered", initial_sidebar_state="collapsed")
settings = Settings.from_env()
ui.init_state(settings)
try:
    ui.assistant(settings)  # starts loading the model and index without waiting for them
except BotError:  # a missing fixed text or crisis-lines file: say so, never half a page
    ui.not_ready()
    st.stop()

ui.style()
# The pinned line and chat box sit at the bottom wherever they are called; reading the chat
# box first lets a question that is being answered hide the starter questions in this run.
ui.always_visible(settings, st.session_state["locale"])
prompt = st.chat_input("Type your question", key="question", max_chars=settings.max_message_chars)
message = prompt or st.session_state.pop("pending", None)

ui.header(settings)
ui.controls(settings)
if not st.session_state["messages"] and not message:
    ui.starters()
ui.replay(settings)
if message:
    ui.converse(settings, message)
st.page_link("pages/1_Staff_handout.py", label="Clinic staff: prepare a handout",
             icon=":material/description:")
