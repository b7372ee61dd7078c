"""Fixed texts and crisis resources under prompts/: present, bilingual, fresh, from the dossier."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import pytest
import yaml

from bot import prompts
from bot.config import ROOT

PROMPTS = ROOT / "prompts"
BILINGUAL = prompts.REQUIRED  # every required text exists in English and Spanish
MAX_AGE_DAYS = 365
RESOURCE_FILES = sorted((PROMPTS / "resources").glob("*.yaml"))


def dossier_path() -> Path | None:
    for candidate in (
        Path("/work/shared/sources/DOSSIER.md"),
        ROOT.parent / "shared" / "sources" / "DOSSIER.md",
    ):
        if candidate.is_file():
            return candidate
    return None


def numbers_in(text: str) -> set[str]:
    """Digit groups, with spaces and hyphens inside a number removed: "13 11 14" -> "131114"."""
    return {re.sub(r"\D", "", m) for m in re.findall(r"\d(?:[\d \-]*\d)?", text)}


def load(path: Path) -> dict:
    return yaml.safe_load(path.read_text(encoding="utf-8"))


def test_check_all_passes():
    prompts.check_all(PROMPTS)


@pytest.mark.parametrize("name", prompts.REQUIRED)
def test_every_required_prompt_exists_in_english(name):
    assert (PROMPTS / f"{name}.md").is_file()
    assert prompts.text(PROMPTS, name, "en-US").strip()


@pytest.mark.parametrize("name", BILINGUAL)
def test_spanish_versions_exist_and_differ(name):
    assert (PROMPTS / f"{name}.es.md").is_file()
    assert prompts.text(PROMPTS, name, "es-US") != prompts.text(PROMPTS, name, "en-US")


def test_disclaimer_is_exact():
    assert prompts.text(PROMPTS, "disclaimer", "en-US") == (
        "Not medical advice. In an emergency call 911; call or text 988."
    )
    es = prompts.text(PROMPTS, "disclaimer", "es-US")
    assert "911" in es and "988" in es and "consejo médico" in es


def test_crisis_text_follows_safe_messaging():
    for locale in ("en-US", "es-US"):
        text = prompts.text(PROMPTS, "crisis", locale)
        assert not re.search(r"\d{3}", text), "numbers come from the resources, not crisis.md"
        assert len(text.split()) < 200, "brief"
        lowered = text.lower()
        for banned in ("committed suicide", "successful", "epidemic", "%", "statistic"):
            assert banned not in lowered
    en = prompts.text(PROMPTS, "crisis", "en-US").lower()
    assert "you deserve support right now" in en
    assert "emergency number" in en and "someone you trust" in en and "crisis line" in en


def test_other_fixed_texts():
    assert "{limit}" in prompts.text(PROMPTS, "too_long", "en-US")
    assert "{limit}" in prompts.text(PROMPTS, "too_long", "es-US")
    assert "nothing was lost" in prompts.text(PROMPTS, "too_long", "en-US").lower()
    assert "nothing was lost" in prompts.text(PROMPTS, "empty_message", "en-US").lower()
    # the plain decline says nothing vetted answers, that the bot does not guess, and who can
    no_en = prompts.text(PROMPTS, "no_answer", "en-US")
    assert no_en.startswith("I don't have a vetted passage that answers") and "won't guess" in no_en
    assert "care team" in no_en
    no_es = prompts.text(PROMPTS, "no_answer", "es-US")
    assert no_es.startswith("No tengo un texto revisado") and "no voy a adivinar" in no_es
    unavailable = prompts.text(PROMPTS, "unavailable", "en-US")
    assert (
        unavailable.startswith("Answers are unavailable right now")
        and "crisis lines" in unavailable
    )
    plan = prompts.text(PROMPTS, "safety_plan", "en-US").lower()
    for part in ("warning signs", "cope", "people i can contact", "safer"):
        assert part in plan
    assert "5-4-3-2-1" in prompts.text(PROMPTS, "grounding", "en-US")
    clinic = prompts.text(PROMPTS, "clinic", "en-US")
    assert "treating clinic now" in clinic and "911" in clinic


def test_one_resource_file_per_locale():
    assert {p.stem for p in RESOURCE_FILES} >= set(prompts.LOCALES)
    for path in RESOURCE_FILES:
        data = load(path)
        assert data["locale"] == path.stem
        assert data["lines"], path
        assert any("findahelpline.com" in str(e.get("web", "")) for e in data["lines"]), path
        assert any(e.get("call") or e.get("sms") for e in data["lines"]), path


ENTRIES = [(p.stem, i, e) for p in RESOURCE_FILES for i, e in enumerate(load(p)["lines"])]


@pytest.mark.parametrize(
    ("locale", "index", "entry"), ENTRIES, ids=[f"{loc}-{i}" for loc, i, _ in ENTRIES]
)
def test_resource_entry_is_complete_and_fresh(locale, index, entry):
    for field in ("name", "contact", "last_verified", "source"):
        assert entry.get(field), (locale, index, field)
    verified = entry["last_verified"]
    if isinstance(verified, str):
        verified = dt.date.fromisoformat(verified)
    assert isinstance(verified, dt.date)
    age = (dt.date.today() - verified).days
    assert age <= MAX_AGE_DAYS, (
        f"{locale} entry {entry['name']!r} last verified {age} days ago: re-check it"
    )
    for field in ("call", "sms"):
        value = entry.get(field)
        if value not in (None, ""):
            assert re.fullmatch(r"\d+", str(value)), (locale, field, value)
    if entry.get("web"):
        assert str(entry["web"]).startswith("https://")


def test_resources_load_through_the_loader():
    for locale in prompts.LOCALES:
        lines = prompts.resources(PROMPTS, locale)
        assert lines and all(r.last_verified for r in lines)
    us = {r.name: r for r in prompts.resources(PROMPTS, "en-US")}
    assert us["Crisis Text Line"].sms_href == "sms:741741?&body=HOME"
    assert us["988 Suicide & Crisis Lifeline"].tel_href == "tel:988"


@pytest.mark.parametrize(("locale", "number"), [("en-US", "911"), ("en-GB", "999"), ("en-CA", "911"), ("en-AU", "000")])
def test_emergency_number_is_listed_and_callable(locale, number):
    """Dossier section 10 (checked 2026-12-02): 000 in Australia, 911 in Canada."""
    data = load(PROMPTS / "resources" / f"{locale}.yaml")
    assert str(data["emergency_number"]) == number
    assert any(str(e.get("call", "")) == number for e in data["lines"]), locale


def test_every_number_is_in_the_dossier_crisis_section():
    path = dossier_path()
    if path is None:
        pytest.skip("shared/sources/DOSSIER.md is not present")
    text = path.read_text(encoding="utf-8")
    start = text.index("## 10.")
    end = text.index("## 11.", start)
    allowed = numbers_in(text[start:end])
    for res in RESOURCE_FILES:
        data = load(res)
        fields = [str(data.get("emergency_number", ""))]
        for entry in data["lines"]:
            fields += [str(v) for k, v in entry.items() if k not in ("last_verified", "source")]
        found = set().union(*(numbers_in(f) for f in fields))
        assert found <= allowed, (
            f"{res.name}: numbers not in DOSSIER section 10: {sorted(found - allowed)}"
        )


# Poison Help (U.S.), checked on the HRSA page poisonhelp.hrsa.gov on 2026-12-03; it is not in
# the dossier, so the only number allowed in these texts besides the locale's emergency number.
POISON_HELP = "1-800-222-1222"


@pytest.mark.parametrize("locale", ["en-US", "en-GB", "en-CA", "en-AU", "es-US"])
def test_overdose_text_gives_the_locales_emergency_number_and_no_other(locale):
    from bot import prompts

    text = prompts.text(PROMPTS, "overdose_info", locale)
    emergency = str(load(PROMPTS / "resources" / f"{locale}.yaml")["emergency_number"])
    assert f"call {emergency}" in text.lower() or f"llame al {emergency}" in text.lower()
    us = locale.endswith("-US")
    assert (POISON_HELP in text) is us  # the U.S. line only where it works
    others = set(re.findall(r"\d[\d-]{2,}\d|\b\d{3}\b", text)) - {emergency, POISON_HELP}
    assert others == set(), others
