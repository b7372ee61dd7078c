"""respond(): the one decision path every front end uses.

1. clean the message; 2. screen it (before any retrieval, even with the store down);
3. match the question (a short follow-up with the previous one) to the passages that answer it;
4. show them whole and cited (or an LLM answer held to the same citations), or decline with
   suggestions; a question about the popular article gets claim cards;
5. return one Reply with an audit that holds decisions, never the person's words.
"""

from __future__ import annotations

import queue
import re
import threading
import time
import unicodedata
from collections.abc import Iterator, Sequence
from dataclasses import replace
from functools import cached_property
from typing import Any

import numpy as np

from bot import prompts
from bot.answering import claims as claim_cards
from bot.answering.passages import Answer, asks_amount, compose, escape_md
from bot.audit import record as record_audit
from bot.config import Settings
from bot.errors import StoreUnavailable
from bot.retrieval.match import (
    Match,
    Retriever,
    about_article,
    clinic_logistics,
    condense,
    covers,
    language,
    must_name,
    names_any,
    names_every,
    new_subject,
    swaps_subject,
)
from bot.safety.normalize import normalize
from bot.safety.screen import asks, match_rule, screen
from bot.text import plain_question
from bot.types import Reply, Route, Turn

HARD_LIMIT = 100_000  # past this even the screen reads only the start and the end


def _text_locale(text: str, locale: str) -> tuple[str, str]:
    """The message's language and the locale its fixed texts are shown in: a Spanish question
    is answered in Spanish whatever the page's locale (and an English one in English)."""
    lang = language(text, default=prompts.language(locale))
    return lang, locale if prompts.language(locale) == lang else ("es-US" if lang == "es" else "en-US")


def clean_message(message: Any) -> str:
    """NFKC, no control or zero-width characters, whitespace folded at the ends."""
    text = "" if message is None else str(message)
    text = unicodedata.normalize("NFKC", text)
    text = "".join(ch for ch in text if ch in "\n\t" or unicodedata.category(ch) not in ("Cc", "Cf", "Cs", "Co"))
    return text.strip()


def as_turns(history: Sequence[Any] | None) -> list[Turn]:
    """Accept Turn values, {"role", "text"|"content"} dicts or bare strings (user turns)."""
    out: list[Turn] = []
    for item in history or []:
        if isinstance(item, Turn):
            out.append(item)
        elif isinstance(item, str):
            out.append(Turn("user", item))
        elif isinstance(item, dict):
            role = "assistant" if item.get("role") == "assistant" else "user"
            asked = item.get("asked_first")
            out.append(Turn(role, str(item.get("text", item.get("content", "")) or ""), item.get("route"),
                            bool(item.get("check_in")), None if asked is None else bool(asked)))
    return out


# The treatment named (normalised text): fear about it is `worry`, not distress.
TREATMENT_RE = re.compile(
    r"\b(?:ketamin\w*|esketamin\w*|spravato|infusions?|sessions?|treatments?|doses?|spray|trip|clinic|"
    r"therap\w*|k|sesion\w*|tratamiento\w*|infusion\w*|terapia)\b")

# The line before the "questions I can answer" list of a decline (the app shows the list as buttons)
SUGGESTIONS_LABEL = {"en": "Questions I can answer:", "es": "Preguntas que sí puedo responder:"}


def suggestion_block(questions: list[str], label: str = "") -> str:
    """The "questions I can answer" list as a reply shows it (a greeting's has no label)."""
    listed = "\n".join(f"- {escape_md(q)}" for q in questions)
    return f"{label}\n{listed}" if label else listed


def split_suggestion_text(text: str, questions: list[str]) -> tuple[str, str] | None:
    """(text before, label) when `text` ends with exactly the list of `questions`, else None."""
    if not questions:
        return None
    listed = suggestion_block(questions)
    for label in SUGGESTIONS_LABEL.values():
        head, sep, tail = text.rpartition(f"\n\n{label}\n")
        if sep and tail == listed:
            return head, label
    head, sep, tail = text.rpartition("\n\n")  # a greeting's first questions: no label
    if sep and tail == listed:
        return head, ""
    return None


def split_suggestions(reply: Reply) -> tuple[str, list[str], str]:
    """A declined reply's text without its trailing "questions I can answer" list, the
    questions and the list's label; (text, [], "") when the reply has no such list."""
    questions = [str(q) for q in reply.extras.get("suggestions") or []]
    found = None if reply.citations else split_suggestion_text(reply.text, questions)
    return (found[0], questions, found[1]) if found else (reply.text, [], "")


def _add_note(reply: Reply, note: str) -> None:
    """Add a closing note to a reply, above a trailing "questions I can answer" list, so
    the list stays last (the app turns exactly that list into buttons)."""
    head, questions, label = split_suggestions(reply)
    if not questions:
        reply.text = f"{reply.text}\n\n{note}"
        return
    reply.text = f"{head}\n\n{note}\n\n{suggestion_block(questions, label)}"


class Assistant:
    """Holds the heavy objects (embedder, retriever) for one process and answers turns."""

    def __init__(self, settings: Settings):
        self.settings = settings
        prompts.check_all(settings.prompts_dir)  # a missing fixed text fails at start-up
        self._retriever: Retriever | None = None
        self._lock = threading.Lock()
        self._claim_vecs: dict[tuple, np.ndarray] = {}

    @property
    def retriever(self) -> Retriever:
        with self._lock:
            if self._retriever is None:
                self._retriever = Retriever(self.settings)
            return self._retriever

    def _text(self, name: str, locale: str) -> str:
        return prompts.text(self.settings.prompts_dir, name, locale)

    def _embed(self, text: str) -> np.ndarray | None:
        try:
            return self.settings.get_embedder().encode([text])[0]
        except Exception:  # the screen's rule layer still works without the model
            return None

    def stream(self, history: Sequence[Any] | None, message: Any, locale: str | None = None
               ) -> Iterator[str | Reply]:
        """Like respond(), for a live display: yields each generated sentence once it has
        passed the grounding check, then the final Reply (which is what to keep and show;
        it may differ, e.g. the extractive fallback). Without a chat model it yields only
        the Reply."""
        if self.chat_model is None:
            yield self.respond(history, message, locale)
            return
        q: queue.Queue = queue.Queue()

        def work() -> None:
            try:
                q.put(self.respond(history, message, locale, on_sentence=q.put))
            except BaseException as exc:  # surfaced in the caller's thread below
                q.put(exc)

        threading.Thread(target=work, daemon=True).start()
        while True:
            item = q.get()
            if isinstance(item, BaseException):
                raise item
            yield item
            if isinstance(item, Reply):
                return

    def respond(self, history: Sequence[Any] | None, message: Any, locale: str | None = None,
                on_sentence=None) -> Reply:

        t0 = time.perf_counter()
        locale = prompts.normalize_locale(locale or self.settings.locale)
        settings = self.settings if locale == self.settings.locale else self.settings.with_(locale=locale)
        turns = as_turns(history)
        text = clean_message(message)
        if len(text) > HARD_LIMIT:
            text = text[: HARD_LIMIT // 2] + "\n" + text[-HARD_LIMIT // 2:]
        too_long = len(text) > self.settings.max_message_chars
        audit: dict[str, Any] = {"message_chars": len(text)}

        qvec = self._embed(text[: self.settings.max_message_chars]) if text and not too_long else None
        t1 = time.perf_counter()
        route = screen(turns, text, query_vec=qvec, settings=settings)
        audit.update(route=route.name, reason=route.reason, score=route.score, flags=list(route.flags),
                     locale=route.locale, screen_ms=round((time.perf_counter() - t1) * 1000, 3))

        norm = normalize(text)  # the message as the rule rows of rules.yaml read it (social, worry, topic)
        low_statement = (route.name == "out_of_scope" and not asks(norm)
                         and match_rule("low_mood", norm) is not None)
        if route.name == "crisis":
            reply = self._crisis(route, norm)
        elif not text:
            reply = Reply("invalid", self._text("empty_message", route.locale))
        elif too_long:
            reply = Reply("invalid", self._text("too_long", route.locale).replace(
                "{limit}", f"{self.settings.max_message_chars:,}"))
        elif route.name == "out_of_scope" and not low_statement:
            reply = Reply("out_of_scope", self._text("out_of_scope", route.locale))
        elif route.name == "support" and "warning_sign" in route.flags:
            # a warning sign said on its own ("I gave away all my stuff this week"): one direct,
            # gentle question about suicide and the full crisis lines, emergency number included
            reply = Reply("support", self._text("warning_sign", _text_locale(text, route.locale)[1]),
                          resources=prompts.resources(self.settings.prompts_dir, route.locale),
                          extras={"warning_sign": True})
        elif route.name == "support" or low_statement:
            # low mood said as a statement the screen read as off topic ("rough week, the
            # anniversary of the ambush") gets the support text too, not "I can only help with ..."
            reply = Reply("support", self._text("support", route.locale),
                          resources=self._support_lines(route.locale))
        elif route.name == "continue" and (social := match_rule("social", norm)) is not None:
            reply = self._social(social, route, text, audit)
        else:
            reply = self._answer(text, qvec, route, audit, turns, on_sentence, norm)
        if route.name != "crisis" and {"after_crisis", "after_crisis_misread"} & set(route.flags):
            # the turn after a crisis reply is answered; the crisis lines stay visible
            reply.resources = reply.resources or prompts.resources(self.settings.prompts_dir, route.locale)
            reply.extras["after_crisis"] = True
        if route.name != "crisis" and reply.route != "invalid" and "overdose_info" in route.flags:
            # "can you overdose on Spravato?": what to do if someone has taken too much comes
            # first (the emergency number; in the U.S. Poison Help), then the answer or decline
            reply.text = f"{self._text('overdose_info', _text_locale(text, route.locale)[1])}\n\n{reply.text}"
            reply.extras["overdose_info"] = True
        if route.name != "crisis" and "past_history" in route.flags:
            _add_note(reply, self._text('past_history', route.locale))
            reply.resources = reply.resources or prompts.resources(self.settings.prompts_dir, route.locale)
        if route.name != "crisis" and reply.route != "invalid" and match_rule("topic", norm):
            # suicide or self-harm named in a turn that is not a crisis ("is it normal to feel
            # suicidal after ketamine?"): the reply carries the crisis lines too, with one line
            # on them (safe messaging: whoever talks about suicide says where help is)
            self._with_lines(reply, "suicide_topic", text, route.locale)
            audit["flags"] = [*audit["flags"], "suicide_topic"]
        elif (route.name != "crisis" and reply.route != "invalid" and "check_in" in route.flags
              and not reply.extras.get("warning_sign")):
            # the screen's patient-words head read some risk, below a crisis: one line that asks
            # gently and says where help is, with the full crisis lines, after the answer
            self._with_lines(reply, "check_in", text, route.locale)
        audit["total_ms"] = round((time.perf_counter() - t0) * 1000, 2)
        reply.audit = {**audit, **reply.audit}
        reply.audit["route"] = reply.route
        if self.settings.audit_log:
            record_audit(self.settings, reply, text)
        return reply

    def _with_lines(self, reply: Reply, name: str, text: str, locale: str) -> None:
        """Add the fixed note `name` (in the message's language) and the full crisis lines, when
        the reply has none or only the support lines without an emergency number;
        extras[name] = True."""
        _add_note(reply, self._text(name, _text_locale(text, locale)[1]))
        full = prompts.resources(self.settings.prompts_dir, locale)
        if len(reply.resources) < len(full):
            reply.resources = full
        reply.extras[name] = True

    def _crisis(self, route: Route, norm: str = "") -> Reply:
        loc = route.locale
        kind = route.kind or "self"
        # harm to others: emergency number first, no safety plan, no lecture; a brush-off right
        # after a crisis reply: a word on why the lines are shown again
        name = ("harm_others" if kind == "others" else
                "after_crisis" if "after_crisis" in route.flags else "crisis")
        extras: dict[str, Any] = {"crisis_kind": kind}
        if "after_crisis" in route.flags:
            # the after-crisis text (a plain question asked first, a brush-off): the next plain
            # question is answered, with the lines kept (Turn.asked_first, bot.safety.screen)
            extras["asked_first"] = True
        if kind == "others" and match_rule("intrusive", norm) is not None:
            # thoughts of harm the person calls unwanted or intrusive ("intrusive thoughts about
            # hurting my baby"): still the emergency number first, but not "put distance between
            # yourself and the person"; bring them to the clinician (rules.yaml `intrusive`)
            name = "harm_others_intrusive"
            extras["intrusive"] = True
        if kind != "others":
            extras.update(safety_plan=self._text("safety_plan", loc), grounding=self._text("grounding", loc))
        return Reply("crisis", self._text(name, loc),
                     resources=prompts.resources(self.settings.prompts_dir, loc), extras=extras)

    def _social(self, row, route: Route, text: str, audit: dict) -> Reply:
        """A greeting, thanks or a question about the assistant, and nothing else: its fixed text
        and the page's first questions as suggestions (declined, as nothing vetted is quoted)."""
        text_loc = _text_locale(text, route.locale)[1]
        starters = prompts.starters(self.settings.prompts_dir, text_loc)
        body = self._text(row.id.replace(".", "_"), text_loc)
        if starters:
            body += "\n\n" + suggestion_block(starters)
        audit["no_answer_reason"] = row.id
        return Reply("no_answer", body, extras={"suggestions": starters})

    def _support_lines(self, locale: str) -> list:
        """The locale's lines without the emergency-services entry (support, not an emergency)."""
        lines = prompts.resources(self.settings.prompts_dir, locale)
        return [r for r in lines if not r.name.lower().startswith(("emergency", "emergencia"))] or lines

    def _answer(self, text: str, qvec: np.ndarray | None, route: Route, audit: dict,
                turns: list[Turn], on_sentence=None, norm: str = "") -> Reply:
        loc = route.locale
        plain = plain_question(text)  # "<b>what is spravato</b>" is matched as "what is spravato"
        if plain != text:
            text, qvec = plain, (self._embed(plain) if qvec is not None else None)
            audit["markup_removed"] = True
        # A Spanish question is answered in Spanish whatever the page's locale (and an
        # English one in English); crisis lines stay those of the person's locale.
        lang, text_loc = _text_locale(text, loc)
        lead = {"clinic": "clinic", "boundary": "boundary"}.get(route.name)
        query, condensed = condense(turns, text)
        if condensed:
            audit["condensed"] = True
        try:
            if qvec is None:
                raise StoreUnavailable("the embedding model is not available")
            t = time.perf_counter()
            qv = self._embed(query) if condensed else qvec
            if qv is None:
                raise StoreUnavailable("the embedding model is not available")
            shown = next((t.text for t in reversed(turns) if t.role == "assistant"), "") if condensed else ""
            match = self.retriever.match(query, qv, lang, embed=self.settings.get_embedder().encode, shown=shown,
                                         vouch=not condensed)
            index = self.retriever.index()
            new = new_subject(query, text) if condensed else set()
            if condensed and match.answer and (
                    (swaps_subject(text) and not covers(index, match.answer[0].passage, text, match.lang))
                    or (new and not names_any(index, match.answer[0].passage, new, match.lang))):
                # "and my klonopin?" after a lamotrigine question, "what about EMDR instead, is that
                # ok while pregnant" after a ketamine one: the thread's passage does not name the
                # new subject, so the follow-up is matched on its own (or declined)
                audit["condensed"] = "dropped"
                match = self.retriever.match(text, qvec, lang, embed=self.settings.get_embedder().encode)
                if new and match.answer and not names_any(index, match.answer[0].passage, new, match.lang):
                    # alone it finds the thread's subject again (ketamine in pregnancy for "what
                    # about EMDR instead, is that ok while pregnant"): nothing vetted names the new
                    # subject, so it is declined, with the nearest questions as suggestions
                    audit["condensed"] = "declined"
                    match = replace(match, answer=[])
            for key, others in (must_name(index, text, match.lang) if match.answer else {}).items():
                if match.answer and others and not names_every(index, [c.passage for c in match.answer], others,
                                                               match.lang):
                    # a question about two things ("can i smoke weed the day of my infusion? and is
                    # a glass of wine the night before ok"): a passage whose ranking probability
                    # reaches the decision's bar on its own and that names what the first does not
                    # completes the answer
                    more = None
                    if len(match.answer) == 1:
                        first = match.answer[0].passage
                        more = next((c for c in match.candidates
                                     if c.passage.id != first.id and c.p >= self.retriever.decision.threshold
                                     and names_every(index, [first, c.passage], others, match.lang)), None)
                    if more is not None:
                        audit[f"{key}_completed"] = sorted(others)
                        match = replace(match, answer=[match.answer[0], more])
                        continue
                    # "is sertraline safe while breastfeeding" matched the ketamine breastfeeding
                    # passage, "does OHIP pay for ketamine in ontario" the US insurance one: the
                    # passages shown must name every treatment and place asked about, or the
                    # question is declined
                    audit[key] = sorted(others)
                    match = replace(match, answer=[])
            audit["retrieve_ms"] = round((time.perf_counter() - t) * 1000, 2)
            audit["corpus_hash"] = index.corpus_hash
            if self.retriever.stale:
                audit["store_error"] = "StoreUnavailable (answered from the loaded index)"
        except StoreUnavailable as exc:
            audit["store_error"] = type(exc).__name__
            body = self._text("unavailable", text_loc)
            if lead:
                body = f"{self._text(lead, text_loc)}\n\n{body}"
            return Reply(route.name if lead else "unavailable", body,
                         resources=prompts.resources(self.settings.prompts_dir, loc))
        audit["lang"] = match.lang
        audit["best_p"] = round(match.best.p, 4) if match.best else 0.0
        audit["answer_p"] = round(match.confidence, 4)  # the decision's P(the best passage answers)
        if match.answer and match.asked_before is not None:
            audit["asked_before"] = round(match.asked_before, 4)  # a labelled question like it vouched
        audit["hits"] = [{"chunk_id": c.passage.id, "score": round(c.p, 5), **c.features()}
                         for c in match.candidates[: self.settings.top_k]]
        answer: Answer | None = None
        notice = ""
        reason = ""
        if clinic_logistics(text):
            reason = "clinic_logistics"
        elif about_article(query) and not lead:
            answer = self._claim_cards(qv, index, match.lang)
            reason = "" if answer else "no_claim"
        if answer is None and not reason:
            if match.answer:
                answer, notice = self._compose(text, match, lead is not None, turns, text_loc, audit, on_sentence)
            reason = "" if answer else "no_passage_answers"
        if answer is not None:
            audit["passages"] = answer.sentences
        extras: dict[str, Any] = {}
        if answer is not None and answer.claim_cards:
            extras["claim_cards"] = answer.claim_cards
        if lead:
            # a question put as "can I / should I" that a general passage answers ("can i go to
            # work the next day after ketamine"): the passage, with "your prescriber decides"
            # rather than the refusal (issue 11: education is not refused)
            directive = route.reason in ("rule:boundary.directive", "rule:boundary.es")
            general = answer is not None and directive
            body = self._text("boundary_general" if general else lead, text_loc)
            if general:
                extras["prescriber_decides"] = True
            if answer:
                body = f"{body}\n\n{answer.text}"
            elif directive and match.suggestions:
                # a "can I / should I" question nothing vetted answers: the refusal says general
                # information would follow; offer the nearest questions it can answer instead
                extras["suggestions"] = list(match.suggestions)
                body += f"\n\n{self._suggestion_list(match.suggestions, text_loc)}"
            resources = prompts.resources(self.settings.prompts_dir, loc) if lead == "clinic" else []
            return Reply(route.name, body, answer.citations if answer else [], resources, extras=extras)
        if answer is None:
            audit["no_answer_reason"] = reason
            extras["suggestions"] = list(match.suggestions)
            # worry about the treatment said in the first person ("I'm nervous about Spravato"):
            # the same decline, said warmly (rules.yaml `worry` rows)
            distress = "distress" in route.flags and reason == "no_passage_answers"
            # fear of the treatment gets the warm decline; other fear ("I'm going to be homeless
            # and I'm scared") read as distress gets the support text
            worried = match_rule("worry", norm) is not None and (not distress or bool(TREATMENT_RE.search(norm)))
            # low mood, grief or exhaustion said in the first person (rules.yaml `low_mood`): a
            # statement gets the support text, a question the warm decline with the support lines
            low = not worried and reason == "no_passage_answers" and match_rule("low_mood", norm) is not None
            if low and not asks(norm):
                distress = True
            if not worried and distress:
                # a first-person statement the screen's model read as distress, not a question
                # anything vetted answers: the support text and lines, not "no vetted source"
                audit["no_answer_reason"] = "distress"
                extras.pop("suggestions")  # as the support rows: no unrelated questions after distress
                return Reply("support", self._text("support", text_loc),
                             resources=self._support_lines(loc), extras=extras)
            body = self._text("no_answer_worry" if worried else "no_answer_low" if low else "no_answer", text_loc)
            if match.suggestions:
                body += f"\n\n{self._suggestion_list(match.suggestions, text_loc)}"
            if low:
                audit["no_answer_reason"] = "low_mood"
                extras["low_mood"] = True
                return Reply("no_answer", body, resources=self._support_lines(loc), extras=extras)
            return Reply("no_answer", body, extras=extras)
        return Reply("answer", answer.text, answer.citations, notice=notice, extras=extras)

    @staticmethod
    def _suggestion_list(suggestions: list[str], locale: str) -> str:
        return suggestion_block(suggestions, SUGGESTIONS_LABEL[prompts.language(locale)])

    def _claim_cards(self, qvec: np.ndarray, index, lang: str) -> Answer | None:
        """Claim cards for a question about the popular article (None without a claims table)."""
        table = claim_cards.load_claims(self.settings.corpus_dir)
        if not table:
            return None
        key = (table, index.corpus_hash)
        if key not in self._claim_vecs:
            texts = [claim_cards.claim_text(c, index.passages) for c in table]
            self._claim_vecs[key] = np.asarray(self.settings.get_embedder().encode(texts), dtype=np.float32)
        ranked = claim_cards.rank(table, qvec, self._claim_vecs[key])
        return claim_cards.cards(ranked, index.passages, lang)

    @cached_property
    def chat_model(self):
        if self.settings.chat_model is None and not self.settings.llm:
            return None  # do not import LangChain on the default, extractive path
        from bot.answering.llm import make_chat_model

        model = make_chat_model(self.settings)
        if model is not None:
            for name in ("llm_system", "llm_answer", "llm_fallback"):
                prompts.text(self.settings.prompts_dir, name)
        return model

    def _compose(self, text: str, match: Match, guarded: bool, turns: list[Turn], locale: str,
                 audit: dict, on_sentence=None) -> tuple[Answer | None, str]:
        """Whole passages by default; with a chat model configured, generated from the
        answering passages and then grounded. Boundary and clinic turns never generate:
        a personal directive is never generated."""
        def extract() -> Answer | None:
            return compose([(c.passage, c.p) for c in match.answer], exclude_doses=guarded and asks_amount(text))

        hits = match.hits(len(match.answer))
        if guarded or self.chat_model is None or not hits:
            return extract(), ""
        from bot.answering.grounding import Grounder, split_generated
        from bot.answering.llm import build_messages, generate, stream_sentences

        t = time.perf_counter()
        grounder = Grounder(hits, self.settings.get_embedder())
        shown: list[str] = []
        try:
            messages = build_messages(self.settings, turns, text, hits, locale)
            if on_sentence is None:
                sentences = split_generated(generate(self.chat_model, messages, self.settings.llm_timeout))
            else:
                sentences = stream_sentences(self.chat_model, messages, self.settings.llm_timeout)
            for sentence in sentences:  # each is checked before anyone sees it
                out = grounder.feed(sentence)
                if out is not None:
                    shown.append(out)
                    if on_sentence is not None:
                        on_sentence(out)
        except Exception as exc:  # timeouts, rate limits, connection errors: fall back, say so
            audit["llm"] = {"error": type(exc).__name__, "fallback": "extractive"}
            return extract(), self._text("llm_fallback", locale)
        grounded = grounder.result(shown)
        audit["llm"] = {
            "ms": round((time.perf_counter() - t) * 1000, 1),
            "kept": len(grounded.kept),
            "dropped": [{"reason": c.reason, "cites": c.cites, "similarity": round(c.similarity, 3),
                         "terms": round(c.terms, 3)} for c in grounded.dropped],
        }
        if not grounded.kept:
            audit["llm"]["fallback"] = "extractive"
            return extract(), ""
        sentences = [{"cites": c.cites, "similarity": round(c.similarity, 3)} for c in grounded.kept]
        return Answer(grounded.text, grounded.citations, sentences), ""


_ASSISTANTS: dict[int, Assistant] = {}
_ASSISTANTS_LOCK = threading.Lock()


def assistant_for(settings: Settings) -> Assistant:
    """One Assistant per Settings value per process (the model and index load once)."""
    key = hash((settings, id(settings.embedder), id(settings.chat_model)))
    with _ASSISTANTS_LOCK:
        if key not in _ASSISTANTS:
            _ASSISTANTS[key] = Assistant(settings)
        return _ASSISTANTS[key]


_WARM: dict[int, threading.Thread] = {}


def warm(settings: Settings, wait: bool = False, on_step=None) -> threading.Thread:
    """Load the encoder, the index and the screen's model for these settings in a background
    thread, once per process, so that no question waits for them. Failures are left for
    respond() to report (the screen's rule layer works without any of them). `on_step(name,
    ms)` hears when each step is done (the served app's timing log)."""
    assistant = assistant_for(settings)

    def load() -> None:
        from bot.safety.screen import semantic_model

        for name, step in (("encoder", lambda: assistant._embed("warm-up")), ("index", assistant.retriever.index),
                           ("screen", lambda: semantic_model(settings))):
            t = time.perf_counter()
            try:
                step()
            except Exception:  # noqa: BLE001, S112 - see the docstring
                continue
            finally:
                if on_step is not None:
                    on_step(name, round((time.perf_counter() - t) * 1000, 1))

    with _ASSISTANTS_LOCK:
        thread = _WARM.get(id(assistant))
        if thread is None:
            thread = _WARM[id(assistant)] = threading.Thread(target=load, name="bot-warm", daemon=True)
            thread.start()
    if wait:
        thread.join()
    return thread


def respond(history: Sequence[Any] | None, message: Any, settings: Settings,
            locale: str | None = None) -> Reply:
    """Screen, retrieve and answer one turn. See the module docstring."""
    return assistant_for(settings).respond(history, message, locale)
