"""bot.text: the one home of the Markdown, marker and link helpers, tested once with tables."""

from __future__ import annotations

import pytest

from bot.text import escape_md, markers, md_link_target, safe_url, sms_href, tel_href, unescape_md


@pytest.mark.parametrize(
    ("raw", "escaped"),
    [
        ("plain words, 0.5 mg/kg.", "plain words, 0.5 mg/kg."),
        ("[click](javascript:alert(1))", r"\[click\](javascript:alert(1))"),
        ("<script>x</script>", r"\<script\>x\</script\>"),
        ("*bold* _it_ `code` $x$ ~s~ # h | t", r"\*bold\* \_it\_ \`code\` \$x\$ \~s\~ \# h \| t"),
        ("back\\slash", "back\\\\slash"),
        ("see [1] and [12]", r"see \[1\] and \[12\]"),
    ],
)
def test_escape_md_table_and_round_trip(raw, escaped):
    assert escape_md(raw) == escaped
    assert unescape_md(escape_md(raw)) == raw


@pytest.mark.parametrize(
    ("text", "numbers"),
    [
        ("One sentence. [1]", [1]),
        ("A [2] then B [10]", [2, 10]),
        (escape_md("a source's own [3] bracket") + " [1]", [1]),  # escaped brackets are text
        ("no markers here", []),
    ],
)
def test_markers_are_only_unescaped_brackets(text, numbers):
    assert markers(text) == numbers


@pytest.mark.parametrize(
    ("url", "safe"),
    [
        ("https://doi.org/10.1176/appi.ajp.2021.20050596", "https://doi.org/10.1176/appi.ajp.2021.20050596"),
        ("  http://example.org/a  ", "http://example.org/a"),
        ("javascript:alert(1)", ""),
        ("data:text/html,hi", ""),
        ("https://", ""),
        ("https://a.org/x y", ""),
        ("", ""),
    ],
)
def test_safe_url(url, safe):
    assert safe_url(url) == safe


def test_md_link_target_cannot_close_the_link():
    assert md_link_target("https://a.org/x_(y)<z>") == "https://a.org/x_%28y%29%3Cz%3E"


@pytest.mark.parametrize(
    ("number", "href"),
    [("988", "tel:988"), ("1-800-273-8255", "tel:18002738255"), ("13 11 14", "tel:131114"),
     ("+44 116 123", "tel:+44116123"), ("", ""), ("none", "")],
)
def test_tel_href(number, href):
    assert tel_href(number) == href


@pytest.mark.parametrize(
    ("number", "body", "href"),
    [("741741", "HOME", "sms:741741?&body=HOME"), ("0477 13 11 14", "", "sms:0477131114"),
     ("838255", "hi there", "sms:838255?&body=hi%20there"), ("", "HOME", "")],
)
def test_sms_href(number, body, href):
    assert sms_href(number, body) == href
