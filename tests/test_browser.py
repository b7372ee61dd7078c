"""A real browser (Debian chromium via Playwright) against `streamlit run app.py` on loopback,
at a phone's size (390×844) and a desk's (1280×900), in English and Spanish.

One server and one browser serve the whole module; each test opens its own page and makes
several checks per load. Waits are for conditions: page.js sets document.body.dataset.botScroll
to "done" once a reply has been drawn and brought into view. Screenshots go to
test-artifacts/browser/ (git-ignored) so a person can look at what a patient sees.
"""

from __future__ import annotations

import os
import re
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path
from urllib.parse import urlsplit

import pytest

ROOT = Path(__file__).resolve().parent.parent
ARTIFACTS = ROOT / "test-artifacts" / "browser"
AXE = ROOT / ".cache" / "axe" / "node_modules" / "axe-core" / "axe.min.js"  # `make browser`
QUESTION = "What was ketamine compared against in the 2021 trial?"
CRISIS = "I want to kill myself"
PHONE = {"width": 390, "height": 844}
DESK = {"width": 1280, "height": 900}
LOOPBACK = {"127.0.0.1", "localhost", "::1", "[::1]"}

pytestmark = pytest.mark.slow


def missing(what: str) -> None:
    """A missing tool skips the module on a laptop and fails it under CI=true."""
    if os.environ.get("CI") == "true":
        pytest.fail(f"{what} (CI=true: the browser test must run; `make browser` installs it)")
    pytest.skip(f"{what} (`make browser` installs it)")


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


@pytest.fixture(scope="module")
def chromium() -> str:
    path = shutil.which("chromium")  # the same PATH lookup as the Makefile's `browser` target
    if not path:
        missing("Debian chromium is not on PATH")
    if not AXE.is_file():
        missing(f"axe-core is not installed at {AXE.relative_to(ROOT)}")
    return path


@pytest.fixture(scope="module")
def server(chromium, fixture_settings, tmp_path_factory):
    """`streamlit run app.py` on a free loopback port, on a private copy of the fixture index."""
    from bot.chat import respond

    respond([], QUESTION, fixture_settings)  # caches the screen's exemplar vectors in the index dir
    data = tmp_path_factory.mktemp("browser") / "data"
    shutil.copytree(fixture_settings.data_dir, data)
    env = {**os.environ, "BOT_DATA_DIR": str(data), "BOT_CORPUS_DIR": str(fixture_settings.corpus_dir)}
    env.pop("BOT_LLM", None)
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


@pytest.fixture(scope="module")
def browser(chromium):
    from playwright.sync_api import expect, sync_playwright

    expect.set_options(timeout=60_000)  # the first answer may wait for the model to load
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=chromium,
                              args=["--headless", "--no-sandbox", "--disable-gpu",
                                    "--disable-background-networking"])
        try:
            yield b
        finally:
            b.close()


class Page:
    """One browser page on the app, recording every request it makes."""

    def __init__(self, browser, server: str, size: dict):
        # reduced motion: axe measures colours after Streamlit's fade-in, not halfway through it
        self.context = browser.new_context(viewport=size, accept_downloads=True, reduced_motion="reduce")
        self.context.set_default_timeout(60_000)
        self.requests: list[str] = []
        self.context.on("request", lambda r: self.requests.append(r.url))
        self.page = self.context.new_page()
        self.server = server

    def outside(self) -> list[str]:
        """Requests that left the machine (anything but loopback, data: and blob:)."""
        return [u for u in self.requests
                if urlsplit(u).scheme not in ("data", "blob") and urlsplit(u).hostname not in LOOPBACK]


@pytest.fixture
def open_page(browser, server):
    pages: list[Page] = []

    def make(size: dict) -> Page:
        pages.append(Page(browser, server, size))
        return pages[-1]

    yield make
    for p in pages:
        p.context.close()


# --- helpers -----------------------------------------------------------------------------------


def settled(page) -> None:
    """The run has finished and page.js has stopped moving the view."""
    page.wait_for_function("() => document.body.dataset.botScroll === 'done'"
                           " && !document.querySelector('[data-stale=\"true\"]')")


def shot(page, name: str, full: bool = False) -> None:
    """A screenshot; `full` grows the viewport to the app's scroll height (Streamlit scrolls an
    inner container, so Playwright's full_page alone shows one screen)."""
    settled(page)
    size = page.viewport_size
    if full:
        height = page.evaluate("() => Math.max(...[...document.querySelectorAll('*')]"
                               ".map(e => e.scrollHeight), 0)")
        page.set_viewport_size({"width": size["width"], "height": min(max(height, size["height"]), 6000)})
        settled(page)
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"))
    if full:
        page.set_viewport_size(size)


def send(page, text: str) -> None:
    box = page.locator('[data-testid="stChatInputTextArea"]')
    box.click()
    box.fill(text)
    page.keyboard.press("Enter")


def choose_spanish(page) -> None:
    """By keyboard, as a person using the picker without a mouse would. Keys typed while the
    picker is still being drawn can be lost (seen once in a fresh-clone CI run: the page
    stayed English for 60 s), so a person would type again; so does this, at most three
    times, and the page must then be in Spanish."""
    from playwright.sync_api import TimeoutError as PlaywrightTimeout

    for attempt in range(3):
        settled(page)
        box = page.locator('[data-testid="stSelectbox"] input')
        box.focus()
        page.keyboard.type("Español")
        page.keyboard.press("Enter")
        try:
            page.wait_for_function("() => document.documentElement.lang === 'es'",
                                   timeout=60000 if attempt == 2 else 20000)
            break
        except PlaywrightTimeout:
            if attempt == 2:
                raise
            page.keyboard.press("Escape")
    settled(page)


FIRST_SCREEN = """(sel) => {
        const el = document.querySelector(sel);
        const r = el.getBoundingClientRect();
        const pinned = document.querySelector('[data-testid="stBottom"]').getBoundingClientRect();
        const hit = document.elementFromPoint(r.left + r.width / 2, r.top + r.height / 2);
        return {top: r.top, bottom: r.bottom, left: r.left, right: r.right, pinned: pinned.top,
                width: innerWidth, height: innerHeight, reached: el.contains(hit)};
    }"""


def first_screen(page, selector: str) -> dict:
    """Where an element is, whether it lies inside the first viewport above the pinned area, and
    whether a tap on its centre reaches it (nothing pinned or floating covers it)."""
    try:  # the view may still be catching up with content that grew after the run
        page.wait_for_function(f"(sel) => {{ const b = ({FIRST_SCREEN})(sel); return b.top >= 0 && b.reached"
                               " && b.bottom <= Math.min(b.pinned, b.height); }", arg=selector, timeout=3000)
    except Exception:  # noqa: BLE001 - the assertion below reports where it is
        pass
    return page.evaluate(FIRST_SCREEN, selector)


def assert_on_first_screen(page, selector: str) -> None:
    box = first_screen(page, selector)
    if not (0 <= box["top"] and box["bottom"] <= min(box["pinned"], box["height"]) and box["reached"]):
        page.screenshot(path=str(ARTIFACTS / "failed-first-screen.png"))
        box["state"] = page.evaluate("() => [document.body.dataset.botScroll, window.__bot.state.lastScroll,"
                                     " window.__bot.state.lastSend, window.__bot.state.fixes, performance.now()]")
    assert 0 <= box["top"] and box["bottom"] <= min(box["pinned"], box["height"]), box
    assert 0 <= box["left"] and box["right"] <= box["width"], box
    assert box["reached"], f"something covers {selector}: {box}"


def axe(page) -> list[dict]:
    """Serious and critical accessibility violations (axe-core, injected from the local copy),
    once the run has finished (a faded, stale element is not what a person reads)."""
    settled(page)
    page.add_script_tag(path=str(AXE))
    found = page.evaluate("""async () => (await axe.run(document, {resultTypes: ['violations']}))
        .violations.map(v => ({id: v.id, impact: v.impact,
                               nodes: v.nodes.slice(0, 3).map(n => n.html.slice(0, 300) + ' :: ' + n.failureSummary)}))""")
    return [v for v in found if v["impact"] in ("serious", "critical")]


class HeldReplies:
    """The app's websocket through Playwright, with the server's messages held back on demand:
    a reply can be made to arrive after the person has scrolled away, every time."""

    def __init__(self, page):
        self.on, self.queue, self.ws = False, [], None
        page.route_web_socket(re.compile(r".*/_stcore/stream"), self.route)

    def route(self, ws) -> None:
        self.ws = ws
        server = ws.connect_to_server()
        server.on_message(lambda m: self.queue.append(m) if self.on else ws.send(m))
        ws.on_message(server.send)

    def release(self) -> None:
        for m in self.queue:
            self.ws.send(m)
        self.queue.clear()
        self.on = False


def overflow(page) -> int:
    return page.evaluate("() => document.documentElement.scrollWidth - document.documentElement.clientWidth")


# --- the tests -----------------------------------------------------------------------------------


def test_phone_crisis_buttons_come_first_and_the_plan_holds_what_is_typed(open_page):
    from playwright.sync_api import expect

    p = open_page(PHONE)
    page = p.page
    page.goto(p.server)
    h1 = page.get_by_role("heading", level=1)
    expect(h1).to_have_text("Ketamine treatment for PTSD: your questions answered")
    settled(page)
    top = h1.bounding_box()
    assert 0 <= top["y"] < 200, f"a phone opens at the top: {top}"  # not scrolled past the title
    assert page.evaluate("document.documentElement.lang") == "en"
    assert page.title() == "Ketamine & PTSD: questions answered"
    assert axe(page) == []
    shot(page, "01-phone-first-visit")
    # keyboard: the first Tab stop is the skip link, and it reaches the chat box
    page.keyboard.press("Tab")
    expect(page.locator("#bot-skip")).to_be_focused()
    page.keyboard.press("Enter")
    expect(page.locator('[data-testid="stChatInputTextArea"]')).to_be_focused()

    send(page, CRISIS)
    call = page.locator('[class*="st-key-act_"] a').first
    expect(call).to_have_attribute("href", "tel:988")
    expect(call).to_have_text(re.compile("Call 988"))
    settled(page)
    assert_on_first_screen(page, '[class*="st-key-act_"] a')
    texts = page.locator('[class*="st-key-act_"] a').all_inner_texts()
    assert [re.sub(r"^\W+|\s+", " ", t).strip() for t in texts][-1].endswith("Emergency: call 911")
    expect(page.locator("#bot-live")).to_contain_text("Call 988")  # announced to screen readers
    assert axe(page) == []
    shot(page, "02-phone-crisis")
    # A scroll nobody asked for (the chat's stick-to-bottom, a late layout) moves the view: the
    # page is not "done" until the call buttons are back in view.
    state = page.evaluate("""async () => {
        const n = [...document.querySelectorAll('*')].find(
            (e) => e.scrollHeight > e.clientHeight + 20 && /(auto|scroll)/.test(getComputedStyle(e).overflowY));
        (n || document.scrollingElement).scrollTop = 1e6;
        await new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r)));
        return document.body.dataset.botScroll;
    }""")
    assert state == "settling", state
    settled(page)
    assert_on_first_screen(page, '[class*="st-key-act_"] a')

    # The plan: typed and downloaded at once (no update step), and printable.
    box = page.get_by_label("My warning signs")
    box.fill("I stop answering my phone")
    with page.expect_download() as dl:
        page.locator(".bot-plan-download").click()
    plan = ARTIFACTS / "safety-plan.txt"
    dl.value.save_as(plan)
    text = plan.read_text()
    assert "1. My warning signs\nI stop answering my phone\n" in text and "988" in text
    page.evaluate("() => { window.print = () => { window.__printed = (window.__printed || 0) + 1; }; }")
    page.locator(".bot-plan-print").click()
    assert page.evaluate("window.__printed") == 1
    page.emulate_media(media="print")
    expect(page.locator("#bot-print")).to_be_visible()
    expect(page.locator("#bot-print")).to_contain_text("I stop answering my phone")
    page.screenshot(path=str(ARTIFACTS / "03-phone-plan-print.png"))
    page.emulate_media(media="screen")
    page.evaluate("document.documentElement.classList.remove('bot-printing')")

    # The next turn, a plain question, is asked first (stop 41): the lines stay, the text says why
    # and invites the question again, and there is no second full crisis box.
    send(page, "what is ketamine?")
    expect(page.locator('[data-testid="stChatMessage"]').last).to_contain_text(
        re.compile("keeping the crisis lines on screen", re.I))
    expect(page.get_by_role("heading", name="You deserve support right now")).to_have_count(1)
    settled(page)
    # Asked again, it is answered: the lines stay, with a word of why.
    send(page, "what is ketamine?")
    why = page.locator('[class*="st-key-why_"]')
    expect(why).to_contain_text(re.compile("crisis lines stay here", re.I))
    expect(page.get_by_role("heading", name="You deserve support right now")).to_have_count(1)
    settled(page)
    assert_on_first_screen(page, '[class*="st-key-why_"]')
    shot(page, "04-phone-after-crisis")

    # Start over asks first; keeping the conversation keeps it.
    page.get_by_role("button", name="Start over").click()
    page.get_by_role("button", name="Keep it").click()
    expect(page.locator('[data-testid="stChatMessage"]')).to_have_count(6)
    page.get_by_role("button", name="Start over").click()
    page.get_by_role("button", name="Yes, erase it").click()
    expect(page.locator('[data-testid="stChatMessage"]')).to_have_count(0)
    expect(page.get_by_role("button", name="What did the research find about ketamine for PTSD?")).to_be_visible()
    assert p.outside() == [], "the page asked something outside this machine"


def test_desk_answer_scrolls_links_its_sources_and_cues_new_replies(open_page):
    from playwright.sync_api import expect

    p = open_page(DESK)
    page = p.page
    held = HeldReplies(page)
    page.goto(p.server)
    starter = page.get_by_role("button", name="What did the research find about ketamine for PTSD?")
    expect(starter).to_be_visible()
    settled(page)
    # While the first answer is prepared: one spinner at most, and no faded starter buttons beside it.
    page.evaluate("""() => {
        window.__seen = {spinners: 0, faded: 0};
        const look = () => {
            const spinners = document.querySelectorAll('[data-testid="stSpinner"]').length;
            window.__seen.spinners = Math.max(window.__seen.spinners, spinners);
            if (spinners) window.__seen.faded += document.querySelectorAll(
                '[data-stale="true"] [class*="st-key-starter_"], [class*="st-key-starter_"][data-stale="true"]').length;
        };
        new MutationObserver(look).observe(document.body, {subtree: true, childList: true, attributes: true});
    }""")
    starter.click()
    reply = page.locator('[class*="st-key-reply_"]').first
    expect(reply).to_be_visible()
    settled(page)
    seen = page.evaluate("window.__seen")
    assert seen["spinners"] <= 1 and seen["faded"] == 0, seen
    assert_on_first_screen(page, '[class*="st-key-reply_"]')  # the answer's start, not the Sources list
    expect(page.locator("#bot-live")).not_to_be_empty()
    # Once placed (as high as the page lets it go), the reply is held at no cost: page.js does
    # not scroll again every 100 ms while nothing moves it.
    fixes = page.evaluate("window.__bot.state.fixes")
    page.wait_for_timeout(1000)
    assert page.evaluate("window.__bot.state.fixes") == fixes
    shot(page, "05-desk-answer")

    # [n] opens its source, which names title and section.
    marker = reply.locator('a[href*="#src-"]').first
    expect(marker).to_have_text("[1]")
    marker.click()
    panel = page.locator('[class*="st-key-cite_"]').first
    expect(panel.get_by_text("The passage this answer quotes:")).to_be_visible()
    expect(panel.locator("summary")).to_be_focused()
    assert ": " in panel.locator("summary").inner_text()  # "[1] Title: Section (type, year)"
    assert axe(page) == []
    shot(page, "06-desk-citation")

    # Scrolled away while the next reply arrives: a cue, which brings it into view.
    page.mouse.move(640, 400)
    held.on = True
    send(page, QUESTION)
    page.mouse.wheel(0, -5000)
    page.wait_for_function("() => window.__bot.state.lastScroll > window.__bot.state.lastSend")
    held.release()
    cue = page.locator("#bot-cue")
    expect(cue).to_be_visible()
    expect(cue).to_have_text("New reply below")
    shot(page, "07-desk-new-reply-cue")
    cue.click()
    expect(cue).to_be_hidden()
    expect(page.locator('[class*="st-key-reply_"]').nth(1)).to_be_in_viewport()

    # A crisis on the desk: the first button is on screen and not under the pinned lines.
    send(page, CRISIS)
    expect(page.locator('[class*="st-key-act_"] a').first).to_have_attribute("href", "tel:988")
    settled(page)
    assert_on_first_screen(page, '[class*="st-key-act_"] a')
    shot(page, "08-desk-crisis")
    assert p.outside() == [], "the page asked something outside this machine"


@pytest.mark.parametrize("size, tag", [(PHONE, "phone"), (DESK, "desk")])
def test_spanish_page_and_crisis(open_page, size, tag):
    from playwright.sync_api import expect

    p = open_page(size)
    page = p.page
    page.goto(p.server)
    expect(page.get_by_role("heading", level=1)).to_be_visible()
    choose_spanish(page)
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Tratamiento con ketamina para el TEPT: respuestas a sus preguntas")
    expect(page.get_by_placeholder("Escriba su pregunta")).to_be_visible()
    expect(page.get_by_role("button", name="¿Cuánto dura el beneficio de la ketamina?")).to_be_visible()
    expect(page.get_by_text("No es consejo médico").first).to_be_visible()
    page.wait_for_function("() => document.title === 'Ketamina y TEPT: preguntas y respuestas'")
    assert page.locator("#bot-skip").inner_text() == "Ir al cuadro de preguntas"
    shot(page, f"09-{tag}-es-first-visit")

    send(page, "¿Qué es la cistitis por ketamina?")  # the fixture's Spanish passage answers it
    reply = page.locator('[class*="st-key-reply_"]').last
    expect(reply.get_by_text("Fuentes", exact=True)).to_be_visible()
    expect(reply.locator('a[href*="#src-"]').first).to_have_text("[1]")
    expect(reply.get_by_text("¿Le resultó útil esta respuesta?")).to_be_visible()
    settled(page)
    assert_on_first_screen(page, '[class*="st-key-reply_"]')
    assert "aparece abajo" not in reply.inner_text()
    shot(page, f"10-{tag}-es-question")

    send(page, "Quiero matarme")
    call = page.locator('[class*="st-key-act_"] a').first
    expect(call).to_have_text(re.compile("Llamar al 988"))
    expect(page.get_by_role("heading", name="Usted merece apoyo ahora mismo")).to_be_visible()
    expect(page.locator(".bot-plan-download")).to_have_text("Descargar mi plan de seguridad")
    settled(page)
    assert_on_first_screen(page, '[class*="st-key-act_"] a')
    assert axe(page) == []
    shot(page, f"11-{tag}-es-crisis")
    if tag == "phone":
        page.set_viewport_size({"width": 320, "height": 780})
        settled(page)
        assert overflow(page) <= 0, "horizontal overflow at 320 px"
        shot(page, "12-narrow-320px-es")
    assert p.outside() == [], "the page asked something outside this machine"


def test_staff_handout_exports_and_prints(open_page):
    from playwright.sync_api import expect

    p = open_page(DESK)
    page = p.page
    page.goto(f"{p.server}/Staff_handout")
    expect(page.get_by_role("heading", name="Prepare a patient handout")).to_be_visible()
    page.get_by_label("Questions, one per line").fill(f"{QUESTION}\nWhat is ketamine cystitis?")
    page.get_by_role("button", name="Find cited answers").click()
    expect(page.get_by_text("Reading grade").first).to_be_visible()
    page.get_by_label("Clinic note (optional; shown at the top of the handout)").fill(
        "Bring this sheet to your next visit.")
    page.keyboard.press("Tab")
    # The preview is drawn after the export buttons, so once it shows the note they carry it too.
    expect(page.locator(".st-key-staff_preview").get_by_text("Bring this sheet to your next visit.")).to_be_visible()
    page.wait_for_function("() => !document.querySelector('[data-stale=\"true\"]')")
    page.screenshot(path=str(ARTIFACTS / "13-staff.png"))
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

    page.goto(html_path.as_uri())
    page.emulate_media(media="print")
    page.screenshot(path=str(ARTIFACTS / "14-handout-print.png"))
