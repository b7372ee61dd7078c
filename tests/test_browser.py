"""A real browser (Debian chromium via Playwright) against `streamlit run app.py` on loopback.

Screenshots go to test-artifacts/browser/ (git-ignored) so a person can look at what a
patient sees.
"""

from __future__ import annotations

import re
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
CHROMIUM = Path("/usr/bin/chromium")
ARTIFACTS = ROOT / "test-artifacts" / "browser"
QUESTION = "What was ketamine compared against in the 2021 trial?"

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(not CHROMIUM.exists(), reason="Debian chromium is not installed at /usr/bin/chromium "
                       "(`make browser` or `apt-get install chromium`)"),
]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for_health(url: str, proc: subprocess.Popen, log: Path, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"streamlit exited with {proc.returncode}:\n{log.read_text()[-3000:]}")
        try:
            with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as resp:
                if resp.status == 200:
                    return
        except OSError:
            time.sleep(0.3)
    raise RuntimeError(f"streamlit did not answer within {timeout}s:\n{log.read_text()[-3000:]}")


@pytest.fixture
def server(fixture_settings, env_for, tmp_path):
    """`streamlit run app.py` on a free loopback port, on a private copy of the fixture index."""
    from bot.chat import respond

    respond([], QUESTION, fixture_settings)  # caches the screen's exemplar vectors in the index dir
    data = tmp_path / "data"
    shutil.copytree(fixture_settings.data_dir, data)
    env = env_for(fixture_settings.with_(data_dir=data))
    port = free_port()
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    log = ARTIFACTS / "streamlit.log"
    streamlit = Path(sys.executable).with_name("streamlit")
    cmd = [str(streamlit), "run", "app.py", "--server.port", str(port), "--server.address", "127.0.0.1",
           "--server.headless", "true", "--browser.gatherUsageStats", "false",
           "--server.fileWatcherType", "none"]
    with open(log, "w") as out:
        proc = subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT,
                                start_new_session=True)
    try:
        url = f"http://127.0.0.1:{port}"
        wait_for_health(url, proc, log)
        yield url
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=15)


@pytest.fixture
def page():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM),
                                    args=["--headless", "--no-sandbox", "--disable-gpu",
                                          "--disable-background-networking"])
        try:
            context = browser.new_context(viewport={"width": 1100, "height": 900}, accept_downloads=True)
            context.set_default_timeout(60_000)
            yield context.new_page()
        finally:
            browser.close()


def shot(page, name: str, full: bool = True) -> None:
    """A screenshot; `full` grows the viewport to the app's scroll height (Streamlit scrolls an
    inner container, so Playwright's full_page alone shows one screen)."""
    page.wait_for_function("() => !document.querySelector('[data-stale=\"true\"]')")  # run finished
    size = page.viewport_size
    if full:
        height = page.evaluate("() => Math.max(...[...document.querySelectorAll('*')]"
                               ".map(e => e.scrollHeight), 0)")
        page.set_viewport_size({"width": size["width"], "height": min(max(height, size["height"]), 6000)})
        page.wait_for_timeout(300)
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"))
    if full:
        page.set_viewport_size(size)


def send(page, text: str) -> None:
    box = page.get_by_placeholder("Type your question")
    box.click()
    box.fill(text)
    page.keyboard.press("Enter")


def overflow(page) -> int:
    return page.evaluate("() => document.documentElement.scrollWidth - document.documentElement.clientWidth")


def test_patient_and_staff_journeys_in_a_real_browser(server, page):
    from playwright.sync_api import expect

    expect.set_options(timeout=90_000)  # the first answer waits for the model to load
    # First visit: the page shell, disclaimer and starters, before any model work.
    page.goto(server)
    expect(page.get_by_role("heading", level=1)).to_contain_text("Ketamine treatment for PTSD")
    expect(page.get_by_text("Not medical advice").first).to_be_visible()
    starter = page.get_by_role("button", name="What did the research find about ketamine for PTSD?")
    expect(starter).to_be_visible()
    shot(page, "01-first-visit")

    # A crisis message first, while the model may still be loading: help comes at once.
    send(page, "I want to kill myself")
    heading = page.get_by_role("heading", name="You deserve support right now")
    expect(heading).to_be_visible(timeout=20_000)
    expect(page.locator('a[href="tel:988"]').first).to_be_visible()
    expect(page.locator('a[href^="sms:"]').first).to_be_visible()
    expect(heading).to_be_in_viewport(timeout=10_000)  # brought into view, not left above the fold
    page.wait_for_timeout(3200)  # the page stops adjusting the scroll after 3 s
    expect(heading).to_be_in_viewport()
    shot(page, "02-crisis", full=False)
    # The safety plan: written, updated and downloaded by the person, kept nowhere else.
    page.get_by_label("My warning signs").fill("I stop answering my phone")
    page.get_by_role("button", name="Update my plan").click()
    expect(page.get_by_text("Your plan is ready to download.")).to_be_visible()  # drawn after the button
    with page.expect_download() as dl:
        page.get_by_role("button", name="Download my safety plan").click()
    plan = ARTIFACTS / "safety-plan.txt"
    dl.value.save_as(plan)
    assert "I stop answering my phone" in plan.read_text() and "988" in plan.read_text()
    shot(page, "03-crisis-full")

    # Start over; then, by keyboard only, focus a starter and press Enter.
    page.get_by_role("button", name="Start over").click()
    expect(starter).to_be_visible()
    expect(page.get_by_role("heading", name="You deserve support right now")).to_have_count(0)
    starter.focus()
    page.keyboard.press("Enter")
    expect(page.get_by_text("Sources", exact=True).first).to_be_visible()

    # A typed question; open its first citation.
    send(page, QUESTION)
    expect(page.get_by_text("Sources", exact=True).nth(1)).to_be_visible()
    expect(page.get_by_text("midazolam").first).to_be_visible()
    cited = page.locator('[data-testid="stExpander"]').filter(has_text="[1] ").last
    summary = cited.locator("summary")
    summary.click()
    expect(cited.get_by_text("The passage this answer quotes:")).to_be_visible()
    expect(cited.get_by_text("randomised trial").first).to_be_visible()
    link = cited.get_by_role("link", name="Open the source on doi.org")
    expect(link).to_have_attribute("href", re.compile(r"^https://doi\.org/10\."))
    summary.scroll_into_view_if_needed()
    shot(page, "04-citation", full=False)
    shot(page, "05-answers-full")

    # Spanish (US): the crisis text, its heading and the lines follow the locale.
    page.get_by_role("button", name="Start over").click()
    expect(starter).to_be_visible()
    page.get_by_label("Your country and language (for crisis lines)").click()
    page.get_by_role("option", name="Español · Estados Unidos").click()
    send(page, "I want to kill myself")
    expect(page.get_by_role("heading", name="Usted merece apoyo ahora mismo")).to_be_visible()
    expect(page.get_by_text("No es consejo médico").first).to_be_visible()
    expect(page.locator('a[href="tel:988"]').first).to_be_visible()
    shot(page, "06-crisis-es")

    # 320 px wide: nothing spills sideways.
    page.get_by_role("button", name="Start over").click()
    expect(starter).to_be_visible()
    page.set_viewport_size({"width": 320, "height": 780})
    send(page, QUESTION)
    expect(page.get_by_text("Sources", exact=True).first).to_be_visible()
    page.wait_for_timeout(500)
    assert overflow(page) <= 0, "horizontal overflow at 320 px"
    shot(page, "07-narrow-320px")
    page.set_viewport_size({"width": 1100, "height": 900})

    # Staff: ask two questions, export the handout as HTML and Markdown.
    page.goto(f"{server}/Staff_handout")
    expect(page.get_by_role("heading", name="Prepare a patient handout")).to_be_visible()
    page.get_by_label("Questions, one per line").fill(f"{QUESTION}\nWhat is ketamine cystitis?")
    page.get_by_role("button", name="Find cited answers").click()
    expect(page.get_by_text("Reading grade").first).to_be_visible()
    page.get_by_label("Clinic note (optional; shown at the top of the handout)").fill(
        "Bring this sheet to your next visit.")
    page.keyboard.press("Tab")
    # The preview is drawn after the export buttons, so once it shows the note they carry it too.
    expect(page.locator(".st-key-staff_preview").get_by_text("Bring this sheet to your next visit.")).to_be_visible()
    shot(page, "08-staff")
    with page.expect_download() as dl:
        page.get_by_role("button", name="Download printable HTML").click()
    html_path = ARTIFACTS / "handout.html"
    dl.value.save_as(html_path)
    with page.expect_download() as dl:
        page.get_by_role("button", name="Download Markdown").click()
    md_path = ARTIFACTS / "handout.md"
    dl.value.save_as(md_path)
    html_text, md_text = html_path.read_text(), md_path.read_text()
    assert "References" in html_text and 'href="https://doi.org/' in html_text
    assert "Bring this sheet to your next visit." in html_text
    assert "## References" in md_text and "988" in md_text

    # The printable handout as it prints.
    page.goto(html_path.as_uri())
    page.emulate_media(media="print")
    shot(page, "09-handout-print")
