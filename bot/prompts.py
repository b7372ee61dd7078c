"""Fixed user-facing texts and crisis resources, read from prompts/ once per process.

Every text a person sees that is not a cited passage lives in prompts/ as a file, so a
clinician can review it without reading code. A missing file fails loudly.
"""

from __future__ import annotations

import datetime as dt
from functools import lru_cache
from pathlib import Path

import yaml

from bot.errors import PromptMissing
from bot.types import Resource

LOCALES = ("en-US", "en-GB", "en-CA", "en-AU", "es-US")
DEFAULT_LOCALE = "en-US"


def language(locale: str) -> str:
    return "es" if locale.lower().startswith("es") else "en"


@lru_cache(maxsize=256)
def _read(path: Path) -> str:
    if not path.is_file():
        raise PromptMissing(f"missing prompt file: {path}")
    return path.read_text(encoding="utf-8").strip()


def text(prompts_dir: Path, name: str, locale: str = DEFAULT_LOCALE) -> str:
    """The most specific of prompts/<name>.<locale>.md, <name>.<lang>.md and <name>.md."""
    for suffix in (f".{normalize_locale(locale)}", f".{language(locale)}", ""):
        path = Path(prompts_dir) / f"{name}{suffix}.md"
        if path.is_file():
            return _read(path)
    return _read(Path(prompts_dir) / f"{name}.md")  # raises PromptMissing


def normalize_locale(locale: str | None) -> str:
    if not locale:
        return DEFAULT_LOCALE
    for known in LOCALES:
        if known.lower() == locale.strip().lower().replace("_", "-"):
            return known
    return DEFAULT_LOCALE


@lru_cache(maxsize=32)
def _resources(path: Path) -> tuple[Resource, ...]:
    if not path.is_file():
        raise PromptMissing(f"missing crisis resources file: {path}")
    data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    out = []
    for entry in data.get("lines", []):
        verified = entry.get("last_verified", "")
        if isinstance(verified, dt.date):
            verified = verified.isoformat()
        out.append(
            Resource(
                name=str(entry["name"]),
                contact=str(entry["contact"]),
                hours=str(entry.get("hours", "")),
                call=str(entry.get("call", "") or ""),
                sms=str(entry.get("sms", "") or ""),
                sms_body=str(entry.get("sms_body", "") or ""),
                web=str(entry.get("web", "") or ""),
                note=str(entry.get("note", "") or ""),
                last_verified=str(verified),
                source=str(entry.get("source", "") or ""),
            )
        )
    return tuple(out)


def resources(prompts_dir: Path, locale: str = DEFAULT_LOCALE) -> list[Resource]:
    """The crisis lines for a locale (prompts/resources/<locale>.yaml)."""
    return list(_resources(Path(prompts_dir) / "resources" / f"{normalize_locale(locale)}.yaml"))


REQUIRED = (
    "disclaimer",
    "crisis",
    "safety_plan",
    "grounding",
    "clinic",
    "boundary",
    "boundary_general",
    "overdose_info",
    "out_of_scope",
    "no_answer",
    "unavailable",
    "past_history",
    "empty_message",
    "too_long",
    "support",
    "harm_others",
    "harm_others_intrusive",
    "warning_sign",
    "after_crisis",
    "suicide_topic",
    "check_in",
    "no_answer_worry",
    "no_answer_low",
    "social_greeting",
    "social_thanks",
    "social_identity",
)


def check_all(prompts_dir: Path) -> None:
    """Load every required text and every locale's resources; raise PromptMissing if any is absent."""
    for locale in LOCALES:
        for name in REQUIRED:
            text(prompts_dir, name, locale)
        if not resources(prompts_dir, locale):
            raise PromptMissing(f"no crisis lines for {locale}")


def starters(prompts_dir: Path, locale: str = DEFAULT_LOCALE) -> list[str]:
    """The questions the patient page offers first (prompts/ui.<lang>.yaml `starters`)."""
    try:
        data = yaml.safe_load(_read(Path(prompts_dir) / f"ui.{language(locale)}.yaml")) or {}
    except (PromptMissing, yaml.YAMLError):
        return []
    return [str(q) for q in data.get("starters") or [] if str(q).strip()]
