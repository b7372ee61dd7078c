"""The files an auditor files: junit.xml for CI systems and one self-contained report.html.

report.html loads nothing from anywhere (no scripts, stylesheets, fonts or images from
outside the page; a Content-Security-Policy says so to the browser too). Every piece of
text from the set or the bot is HTML-escaped.
"""

from __future__ import annotations

import html
import re
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

from bot.types import split_conversation, turn_text
from evals.items import EXPECTS
from evals.metrics import ROUTES, accepts, unescape_md

_XML_BAD = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff\ud800-\udfff]")


def _x(text: Any) -> str:
    """Text that XML 1.0 can hold (control characters removed)."""
    return _XML_BAD.sub("", "" if text is None else str(text))


def _fmt(value: Any, pct: bool = True) -> str:
    if value is None:
        return "n/a"
    if isinstance(value, float) and pct:
        return f"{value * 100:.1f}%"
    return f"{value:g}" if isinstance(value, float) else str(value)


def _input_text(record: dict[str, Any]) -> str:
    raw = record.get("input") or {}
    conversation = split_conversation(raw)
    if conversation is None:
        return str(raw.get("text", ""))
    earlier, message = conversation
    parts = [f"{t.get('role', 'user')}: {turn_text(t)}" if isinstance(t, dict) else f"user: {t}" for t in earlier]
    return "\n".join([*parts, f"user: {message}"])


# ---------------------------------------------------------------- JUnit


def write_junit(path: Path, results: list[dict[str, Any]], summary: dict[str, Any]) -> None:
    """One <testsuite> per expect label, one <testcase> per item (classname = the label)."""
    root = ET.Element("testsuites", name="evals", tests=str(len(results)),
                      failures=str(sum(1 for r in results if not r["passed"] and r["route"] != "error")),
                      errors=str(sum(1 for r in results if r["route"] == "error")),
                      time=f"{summary.get('run', {}).get('seconds', 0):.3f}")
    labels = [lab for lab in EXPECTS if any(r["expect"] == lab for r in results)]
    for label in labels:
        rows = [r for r in results if r["expect"] == label]
        suite = ET.SubElement(
            root, "testsuite", name=label, tests=str(len(rows)),
            failures=str(sum(1 for r in rows if not r["passed"] and r["route"] != "error")),
            errors=str(sum(1 for r in rows if r["route"] == "error")), skipped="0",
            time=f"{sum(r.get('seconds', 0) for r in rows):.3f}",
            timestamp=_x(summary.get("run", {}).get("started", "")))
        for r in rows:
            case = ET.SubElement(suite, "testcase", classname=label, name=_x(r["id"]),
                                 file=_x(r.get("source", "").rsplit(":", 1)[0]),
                                 time=f"{r.get('seconds', 0):.4f}")
            if r["passed"]:
                continue
            reply = r.get("reply") or {}
            audit = reply.get("audit") or {}
            body = "\n".join([
                f"source: {r.get('source', '')}",
                f"expected: {label}",
                f"route: {r['route']}",
                f"screen reason: {audit.get('reason', '')}",
                f"input: {_input_text(r)}",
                f"reply: {reply.get('text', '')[:2000]}",
            ])
            tag = "error" if r["route"] == "error" else "failure"
            el = ET.SubElement(case, tag, message=_x(r["why"]), type=_x(r["route"]))
            el.text = _x(body)
    if summary.get("malformed"):
        suite = ET.SubElement(root, "testsuite", name="malformed input", tests="0", failures="0",
                              errors="0", skipped="0", time="0")
        err = ET.SubElement(suite, "system-err")
        err.text = _x("\n".join(f"{m['file']}:{m['line']}: {m['error']}" for m in summary["malformed"]))
    ET.indent(root)
    ET.ElementTree(root).write(path, encoding="utf-8", xml_declaration=True)


# ---------------------------------------------------------------- HTML

CSS = """
body{font:15px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;margin:0;color:#1b1f24;background:#f6f7f9}
main{max-width:1100px;margin:0 auto;padding:24px}
h1{font-size:1.5em;margin:0 0 4px} h2{font-size:1.15em;margin:28px 0 8px;border-bottom:1px solid #d8dde3;padding-bottom:4px}
.verdict{display:inline-block;padding:4px 12px;border-radius:4px;font-weight:700;color:#fff}
.pass{background:#1a7f37} .fail{background:#c62828} .na{background:#6e7781}
.cards{display:flex;flex-wrap:wrap;gap:10px;margin:14px 0}
.card{background:#fff;border:1px solid #d8dde3;border-radius:6px;padding:10px 14px;min-width:150px}
.card b{display:block;font-size:1.5em} .card span{color:#57606a;font-size:.85em}
table{border-collapse:collapse;background:#fff;width:100%;margin:6px 0}
th,td{border:1px solid #d8dde3;padding:4px 8px;text-align:left;vertical-align:top} th{background:#eef1f4}
td.num{text-align:right;font-variant-numeric:tabular-nums}
.st-pass{color:#1a7f37;font-weight:600} .st-fail{color:#c62828;font-weight:700} .st-na{color:#6e7781}
.failure{background:#fff;border:1px solid #d8dde3;border-left:4px solid #c62828;border-radius:4px;padding:8px 12px;margin:8px 0}
.failure pre{white-space:pre-wrap;word-break:break-word;background:#f6f7f9;padding:6px;margin:4px 0;font-size:.9em}
.meta{color:#57606a;font-size:.85em} code{font-size:.9em}
svg text{font-family:system-ui,sans-serif}
"""


def _e(text: Any) -> str:
    return html.escape("" if text is None else str(text), quote=True)


def confusion_svg(matrix: dict[str, dict[str, int]]) -> str:
    """A heatmap of expected label (rows) against actual route (columns), counts in cells.
    Green cells are routes the label accepts, red cells are failures; darker = more items."""
    rows = [lab for lab in EXPECTS if lab in matrix]
    seen = {route for row in matrix.values() for route in row}
    cols = [r for r in ROUTES if r in seen] + sorted(seen - set(ROUTES))
    if not rows or not cols:
        return '<svg width="300" height="40" role="img"><text x="4" y="24">no items</text></svg>'
    cw, ch, left, top = 96, 52, 110, 46  # cell width and height; room for the labels
    width, height = left + cw * len(cols) + 10, top + ch * len(rows) + 40
    peak = max(v for row in matrix.values() for v in row.values()) or 1
    out = [f'<svg width="{width}" height="{height}" '
           f'viewBox="0 0 {width} {height}" role="img" aria-labelledby="cm-title">',
           '<title id="cm-title">Confusion matrix: expected label (rows) against actual route (columns)</title>',
           f'<text x="{left + cw * len(cols) / 2:.0f}" y="14" text-anchor="middle" font-size="13" '
           'font-weight="600">actual route</text>',
           f'<text x="14" y="{top + ch * len(rows) / 2:.0f}" text-anchor="middle" font-size="13" '
           f'font-weight="600" transform="rotate(-90 14 {top + ch * len(rows) / 2:.0f})">expected</text>']
    for j, col in enumerate(cols):
        out.append(f'<text x="{left + j * cw + cw / 2:.0f}" y="{top - 8}" text-anchor="middle" '
                   f'font-size="12">{_e(col)}</text>')
    for i, row in enumerate(rows):
        y = top + i * ch
        out.append(f'<text x="{left - 6}" y="{y + ch / 2 + 4:.0f}" text-anchor="end" font-size="12">{_e(row)}</text>')
        for j, col in enumerate(cols):
            x = left + j * cw
            n = matrix.get(row, {}).get(col, 0)
            ok = col in ROUTES and accepts(row, col) and col != "error"
            if n == 0:
                fill, ink = "#ffffff", "#b0b7bf"
            else:
                # square-root scale so that a single failure still stands out next to hundreds
                a = (0.2 if ok else 0.45) + (0.8 if ok else 0.55) * (n / peak) ** 0.5
                base = (26, 127, 55) if ok else (198, 40, 40)
                r, g, b = (round(255 - (255 - c) * a) for c in base)
                fill, ink = f"#{r:02x}{g:02x}{b:02x}", "#ffffff" if a > 0.55 else "#1b1f24"
            label = "accepted" if ok else "failure"
            out.append(f'<g><title>expected {_e(row)}, route {_e(col)}: {n} ({label})</title>'
                       f'<rect x="{x}" y="{y}" width="{cw}" height="{ch}" fill="{fill}" stroke="#d8dde3"/>'
                       f'<text x="{x + cw / 2:.0f}" y="{y + ch / 2 + 6:.0f}" text-anchor="middle" '
                       f'font-size="17" font-weight="{400 if ok or n == 0 else 700}" fill="{ink}">{n}</text></g>')
    ly = top + ch * len(rows) + 24
    out.append(f'<rect x="{left}" y="{ly - 11}" width="14" height="14" fill="#1a7f37"/>'
               f'<text x="{left + 20}" y="{ly}" font-size="12">route accepted for the label</text>'
               f'<rect x="{left + 210}" y="{ly - 11}" width="14" height="14" fill="#c62828"/>'
               f'<text x="{left + 230}" y="{ly}" font-size="12">failure (darker = more items)</text>')
    out.append("</svg>")
    return "".join(out)


def _status(status: str) -> str:
    cls = {"pass": "st-pass", "fail": "st-fail"}.get(status, "st-na")
    return f'<span class="{cls}">{_e(status)}</span>'


def _block_table(blocks: dict[str, dict[str, Any]], first: str) -> str:
    head = (f"<tr><th>{_e(first)}</th><th>n</th><th>passed</th><th>rate</th><th>crisis recall</th>"
            "<th>false crisis</th><th>citation coverage</th><th>expect_any hits</th></tr>")
    rows = []
    for name, b in blocks.items():
        rows.append(f"<tr><td>{_e(name)}</td><td class=num>{b['n']}</td><td class=num>{b['passed']}</td>"
                    f"<td class=num>{_fmt(b['rate'])}</td><td class=num>{_fmt(b['crisis_recall'])}</td>"
                    f"<td class=num>{_fmt(b['false_crisis_rate'])}</td>"
                    f"<td class=num>{_fmt(b['citation_coverage'])}</td>"
                    f"<td class=num>{_fmt(b['expect_any_hit_rate'])}</td></tr>")
    return f"<table>{head}{''.join(rows)}</table>"


def render_html(results: list[dict[str, Any]], summary: dict[str, Any]) -> str:
    ov = summary["overall"]
    run = summary.get("run", {})
    verdict = summary["verdict"]
    cards = [
        ("items", ov["n"]), ("passed", f"{ov['passed']} ({_fmt(ov['rate'])})"),
        ("crisis recall", f"{_fmt(ov['crisis_recall'])} of {ov['crisis_n']}"),
        ("false crisis", f"{_fmt(ov['false_crisis_rate'])} of {ov['not_crisis_n']}"),
        # still misses: the reply asked about suicide and carried the crisis lines
        ("crisis missed, lines shown", ov.get("crisis_missed_checked_in", 0)),
        # conversations: the last turn keeps the lines of an earlier crisis reply
        ("crisis caught a turn early", ov.get("crisis_missed_lines_kept", 0)),
        ("look-alike sent to crisis a turn early", ov.get("not_crisis_lines_kept", 0)),
        ("boundary", _fmt(ov["boundary_accuracy"])), ("clinic", _fmt(ov["clinic_accuracy"])),
        ("citation coverage", f"{_fmt(ov['citation_coverage'])} of {ov['cited_sentences']}"),
        ("expect_any hits", f"{_fmt(ov['expect_any_hit_rate'])} of {ov['expect_any_n']}"),
        ("malformed lines", ov["malformed_n"]),
    ]
    parts = [
        "<!DOCTYPE html><html lang=en><head><meta charset=utf-8>",
        "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'; img-src data:\">",
        "<meta name=viewport content=\"width=device-width,initial-scale=1\">",
        f"<title>Evaluation report: {_e(verdict)}</title><style>{CSS}</style></head><body><main>",
        f"<h1>Evaluation report <span class=\"verdict {'pass' if verdict == 'pass' else 'fail'}\">"
        f"{_e(verdict.upper())}</span></h1>",
        f"<p class=meta>Sets: {_e(', '.join(s['path'] for s in run.get('sets', [])))} &middot; "
        f"started {_e(run.get('started', ''))} &middot; {_e(_fmt(run.get('items_per_minute'), False))} items/minute "
        f"&middot; corpus hash <code>{_e(', '.join(summary.get('corpus_hash') or []) or 'n/a')}</code></p>",
    ]
    if summary.get("problems"):
        parts.append("<p><b>Why it fails:</b> " + _e("; ".join(summary["problems"])) + "</p>")
    parts.append('<div class="cards">' + "".join(
        f"<div class=card><b>{_e(v)}</b><span>{_e(k)}</span></div>" for k, v in cards) + "</div>")

    parts.append("<h2>Thresholds</h2><table><tr><th>metric</th><th>flag</th><th>value</th><th>limit</th>"
                 "<th>items</th><th>status</th></tr>")
    for t in summary["thresholds"]:
        pct = t["name"] != "malformed_lines"
        parts.append(f"<tr><td>{_e(t['name'])}</td><td><code>{_e(t['flag'])}</code></td>"
                     f"<td class=num>{_e(_fmt(t['value'], pct))}</td>"
                     f"<td class=num>{_e(t['op'])} {_e(_fmt(float(t['limit']), pct))}</td>"
                     f"<td class=num>{_e('' if t['n'] is None else t['n'])}</td><td>{_status(t['status'])}</td></tr>")
    parts.append("</table>")

    parts.append("<h2>Expected label against actual route</h2>")
    parts.append(confusion_svg(summary["confusion"]))
    parts.append("<p class=meta>Cells count routes. Green: the route the label accepts; red: a failure. "
                 "An answer item in the green cell can still fail for want of a citation or an expect_any "
                 "term; see Failures.</p>")

    parts.append("<h2>By expect label</h2><table><tr><th>expect</th><th>n</th><th>passed</th><th>rate</th></tr>")
    for label, b in ov["by_expect"].items():
        parts.append(f"<tr><td>{_e(label)}</td><td class=num>{b['n']}</td><td class=num>{b['passed']}</td>"
                     f"<td class=num>{_fmt(b['rate'])}</td></tr>")
    parts.append("</table>")
    if summary.get("by_source"):
        parts.append("<h2>By source</h2>" + _block_table(summary["by_source"], "source"))
    if summary.get("by_lang"):
        parts.append("<h2>By language</h2>" + _block_table(summary["by_lang"], "lang"))
    if summary.get("by_tag"):
        parts.append("<h2>By tag</h2>" + _block_table(summary["by_tag"], "tag"))

    failures = [r for r in results if not r["passed"]]
    parts.append(f"<h2>Failures ({len(failures)})</h2>")
    if not failures:
        parts.append("<p>None.</p>")
    for r in failures:
        reply = r.get("reply") or {}
        audit = reply.get("audit") or {}
        unsupported = (r.get("citation_check") or {}).get("unsupported") or []
        parts.append(
            f'<div class="failure"><b>{_e(r["id"])}</b> &middot; expected <b>{_e(r["expect"])}</b>, '
            f'route <b>{_e(r["route"])}</b> &middot; audit reason <code>{_e(audit.get("reason", "n/a"))}</code>'
            f'{" &middot; tags " + _e(", ".join(r.get("tags") or [])) if r.get("tags") else ""}'
            f'<div class=meta>{_e(r.get("source", ""))} &middot; {_e(r["why"])}</div>'
            f"<div>Input:</div><pre>{_e(_input_text(r))}</pre>"
            f"<div>Reply:</div><pre>{_e(unescape_md(reply.get('text') or '')[:3000])}</pre>"
            + ("<div class=meta>Sentences not found in their cited passage: "
               + _e(" | ".join(u["sentence"] for u in unsupported)) + "</div>" if unsupported else "")
            + "</div>")
    # Cited sentences that failed the coverage check on items that otherwise passed.
    uncovered = [r for r in results if r["passed"] and (r.get("citation_check") or {}).get("unsupported")]
    if uncovered:
        parts.append(f"<h2>Passing items with uncovered sentences ({len(uncovered)})</h2>")
        for r in uncovered:
            parts.append(f'<div class="failure"><b>{_e(r["id"])}</b><pre>'
                         + _e("\n".join(f"{u['why']}: {u['sentence']}" for u in r["citation_check"]["unsupported"]))
                         + "</pre></div>")

    if summary.get("malformed"):
        parts.append(f"<h2>Malformed input lines ({len(summary['malformed'])})</h2><table>"
                     "<tr><th>where</th><th>problem</th></tr>")
        for m in summary["malformed"]:
            parts.append(f"<tr><td>{_e(m['file'])}:{m['line']}</td><td>{_e(m['error'])}</td></tr>")
        parts.append("</table>")

    versions = summary.get("versions", {})
    settings = summary.get("settings", {})
    parts.append("<h2>Run</h2><table>")
    for k, v in [*versions.items(), *settings.items()]:
        parts.append(f"<tr><th>{_e(k)}</th><td>{_e(v)}</td></tr>")
    parts.append("</table></main></body></html>")
    return "\n".join(parts)


def write_html(path: Path, results: list[dict[str, Any]], summary: dict[str, Any]) -> None:
    path.write_text(render_html(results, summary), encoding="utf-8")
