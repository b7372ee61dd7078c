"""Spanish versions pair with their English passages (CORPUS_FORMAT.md, "Spanish versions").

Every corpus/es/X.md is a translation of corpus/X.md: the same references, one Spanish
section per English section (paired by its `<!-- en: ... -->` heading), the same refs per
section, every number of the English passage kept, and each passage short enough for the
embedding model. A translation that drops a section, a caveat's number or a citation fails.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import pytest
import yaml

from bot.retrieval.corpus import FRONT_RE

ROOT = Path(__file__).resolve().parent.parent
CORPUS = ROOT / "corpus"
SPANISH = sorted((CORPUS / "es").glob("*.md"))
MAX_SECTION_WORDS = 170
STATUS = "Spanish translation of the English passage, pending clinician review"
COMMENT_RE = re.compile(r"<!--\s*(\w+)\s*:\s*(.*?)\s*-->", re.S)
NUMBER_RE = re.compile(r"\d+(?:[.,]\d+)*")


@dataclass
class Section:
    heading: str
    comments: dict[str, str]
    body: str

    @property
    def refs(self) -> list[str]:
        return [r.strip() for r in self.comments.get("refs", "").split(",") if r.strip()]

    @property
    def words(self) -> int:
        return len(self.body.split())


def parse(path: Path) -> tuple[dict, list[Section]]:
    """Front matter and `##` sections of one corpus file (comments split from the passage)."""
    match = FRONT_RE.match(path.read_text(encoding="utf-8"))
    assert match, f"{path}: no front matter"
    meta = yaml.safe_load(match.group(1))
    sections: list[Section] = []
    for chunk in re.split(r"^## ", match.group(2), flags=re.M)[1:]:
        heading, _, rest = chunk.partition("\n")
        comments = {key: value for key, value in COMMENT_RE.findall(rest)}
        sections.append(Section(heading.strip(), comments, COMMENT_RE.sub("", rest).strip()))
    return meta, sections


def pairing_problems(en_path: Path, es_path: Path) -> list[str]:
    """Everything that keeps es_path from being a faithful pair of en_path (empty when it pairs)."""
    if not en_path.exists():
        return [f"{es_path.name}: no English original {en_path}"]
    en_meta, en_sections = parse(en_path)
    es_meta, es_sections = parse(es_path)
    problems = []
    for field, want in (("id", en_meta["id"]), ("translation_of", en_meta["id"]), ("lang", "es"),
                        ("translation_status", STATUS), ("references", en_meta["references"]),
                        ("url", en_meta.get("url")), ("source_type", en_meta["source_type"])):
        if es_meta.get(field) != want:
            problems.append(f"front matter {field}: {es_meta.get(field)!r} != {want!r}")
    by_en = Counter(s.comments.get("en", "") for s in es_sections)
    for heading, count in by_en.items():
        if count != 1 or heading not in {s.heading for s in en_sections}:
            problems.append(f"en heading {heading!r}: {count} Spanish section(s), "
                            f"{'in' if heading in {s.heading for s in en_sections} else 'not in'} the English")
    for en in en_sections:
        es = next((s for s in es_sections if s.comments.get("en") == en.heading), None)
        if es is None:
            problems.append(f"{en.heading!r}: no Spanish section")
            continue
        if es.refs != en.refs:
            problems.append(f"{en.heading!r}: refs {es.refs} != {en.refs}")
        missing = Counter(NUMBER_RE.findall(en.body)) - Counter(NUMBER_RE.findall(es.body))
        if missing:
            problems.append(f"{en.heading!r}: numbers missing in Spanish: {sorted(missing)}")
        if es.words > MAX_SECTION_WORDS:
            problems.append(f"{es.heading!r}: {es.words} words (max {MAX_SECTION_WORDS})")
        if en.heading.endswith("?") and not es.heading.endswith("?"):
            problems.append(f"{es.heading!r}: the Spanish heading must stay a question")
    return problems


def test_there_are_spanish_versions():
    assert SPANISH, "corpus/es/ holds no Spanish versions"


@pytest.mark.parametrize("es_path", SPANISH, ids=lambda p: p.stem)
def test_spanish_version_pairs_with_its_english_original(es_path):
    assert pairing_problems(CORPUS / es_path.name, es_path) == []


# A pair that is correct, and the ways a translation can break it.
FRONT = """id: mini
title: "Mini"
url: "https://example.org/a"
source_type: patient_education
references:
  - key: S1
    cite: "A. 2020."
    url: "https://example.org/a"
"""

EN = "---\n" + FRONT + """---

# Mini

## How long does it last?
<!-- also: how long | duration -->
<!-- refs: S1 -->

In one 2020 study of 30 people, the effect lasted about 7 days.

## Is it safe?
<!-- refs: S1 -->

Usually, say the 2 reviews.
"""

ES = "---\n" + FRONT + """lang: es
translation_of: mini
translation_status: "Spanish translation of the English passage, pending clinician review"
---

# Mini

## ¿Cuánto dura?
<!-- en: How long does it last? -->
<!-- also: cuanto dura | duracion -->
<!-- refs: S1 -->

En un estudio de 2020 con 30 personas, el efecto duró unos 7 días.

## ¿Es seguro?
<!-- en: Is it safe? -->
<!-- refs: S1 -->

Por lo general, según las 2 revisiones.
"""

SECOND = "## ¿Es seguro?\n<!-- en: Is it safe? -->\n<!-- refs: S1 -->\n\nPor lo general, según las 2 revisiones.\n"


@pytest.mark.parametrize(
    ("old", "new", "problem"),
    [
        (None, None, None),
        ("<!-- en: Is it safe? -->", "<!-- en: Is it safe -->", "no Spanish section"),
        (SECOND, "", "no Spanish section"),
        (SECOND, SECOND + "\n" + SECOND, "2 Spanish section(s)"),
        ("<!-- en: How long does it last? -->\n<!-- also: cuanto dura | duracion -->\n<!-- refs: S1 -->",
         "<!-- en: How long does it last? -->\n<!-- refs: S1, S2 -->", "refs"),
        ("unos 7 días", "una semana", "numbers missing"),
        ("Por lo general,", "Por lo general, " + "muy " * 170, "words"),
        ("¿Es seguro?\n", "Es seguro\n", "stay a question"),
        ('    cite: "A. 2020."', '    cite: "B. 2021."', "references"),
        ("translation_of: mini", "translation_of: other", "translation_of"),
        ("lang: es\n", "", "lang"),
        ("pending clinician review", "reviewed", "translation_status"),
    ],
)
def test_pairing_check_catches_a_broken_translation(tmp_path, old, new, problem):
    (tmp_path / "es").mkdir()
    (tmp_path / "mini.md").write_text(EN, encoding="utf-8")
    es = ES if old is None else ES.replace(old, new, 1)
    assert es != ES or old is None, "the mutation did not apply"
    (tmp_path / "es" / "mini.md").write_text(es, encoding="utf-8")
    problems = pairing_problems(tmp_path / "mini.md", tmp_path / "es" / "mini.md")
    if problem is None:
        assert problems == []
    else:
        assert any(problem in p for p in problems), problems


@pytest.mark.parametrize("es_path", SPANISH[:3], ids=lambda p: p.stem)
def test_a_real_pair_broken_in_a_copy_is_caught(tmp_path, es_path):
    """A bundled pair copied to tmp_path pairs; with its last Spanish section cut off, it does not."""
    (tmp_path / "es").mkdir()
    en_copy, es_copy = tmp_path / es_path.name, tmp_path / "es" / es_path.name
    en_copy.write_text((CORPUS / es_path.name).read_text(encoding="utf-8"), encoding="utf-8")
    text = es_path.read_text(encoding="utf-8")
    es_copy.write_text(text, encoding="utf-8")
    assert pairing_problems(en_copy, es_copy) == []
    es_copy.write_text(text[: text.rindex("\n## ")] + "\n", encoding="utf-8")
    assert any("no Spanish section" in p for p in pairing_problems(en_copy, es_copy))


def test_a_spanish_file_without_its_english_original_is_refused(tmp_path):
    (tmp_path / "es").mkdir()
    (tmp_path / "es" / "mini.md").write_text(ES, encoding="utf-8")
    assert pairing_problems(tmp_path / "mini.md", tmp_path / "es" / "mini.md") != []
