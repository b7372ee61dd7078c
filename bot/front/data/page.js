// Constant script for the patient page, injected once by bot/front/ui.py (st.html). It reads
// only data-* attributes that ui.py wrote from prompts/ files and the crisis-lines data, and
// what the person typed into the safety-plan boxes; it writes text with textContent, never as
// HTML. It adds, outside Streamlit's own DOM: a skip link, a live region, a "new reply" cue
// and a print-only copy of the safety plan. document.body.dataset.botScroll is "settling"
// while it keeps a reply in view and "done" after, so tests wait for a condition.
(() => {
  if (window.__bot) { window.__bot.sync(); return; }
  const doc = document;
  const $ = (s, r = doc) => r.querySelector(s);
  const $$ = (s, r = doc) => Array.from(r.querySelectorAll(s));
  const now = () => performance.now();
  const SETTLE_MS = 400;  // quiet time after the run ends before a reply counts as drawn
  doc.body.dataset.botScroll = "settling";
  const state = { lastSend: 0, lastScroll: -1, target: null, targetMid: null, reached: null, top: true, lastChange: now(),
                  messages: 0, announce: null, fixes: 0 };

  const el = (tag, props) => Object.assign(doc.createElement(tag), props || {});
  const skip = el("a", { id: "bot-skip", className: "bot-skip", href: "#bot-question" });
  const live = el("div", { id: "bot-live", className: "bot-sr" });
  live.setAttribute("aria-live", "polite");
  live.setAttribute("role", "status");
  const cue = el("button", { id: "bot-cue", type: "button", hidden: true });
  const printable = el("div", { id: "bot-print" });
  doc.body.prepend(skip);
  doc.body.append(live, cue, printable);

  const marker = () => $("#bot-page");
  const chatBox = () => $('[data-testid="stChatInputTextArea"]');
  const pinnedHeight = () => { const b = $('[data-testid="stBottom"]'); return b ? b.getBoundingClientRect().height : 0; };

  function scroller() {
    let n = marker();
    while (n && n !== doc.body) {
      const s = getComputedStyle(n);
      if (/(auto|scroll)/.test(s.overflowY) && n.scrollHeight > n.clientHeight) return n;
      n = n.parentElement;
    }
    return doc.scrollingElement;
  }

  // The view is held on the newest reply (or the top) until the person does anything at all;
  // the chat's own stick-to-bottom can move it late (content that grows after the run).
  function release(e) {
    if (e && !e.isTrusted) return;
    state.target = null;
    state.targetMid = null;
    state.top = false;
  }
  function userScrolled(e) {
    if (e && !e.isTrusted) return;
    state.lastScroll = now();
    unstick();  // the person moved the view: the chat must not pull it back to the bottom
    release();
  }
  function sent() {
    state.lastSend = now();
    state.top = false;
    cue.hidden = true;
  }

  function showCue(target) {
    cue.textContent = (marker() && marker().dataset.newReply) || "New reply";
    cue.style.bottom = `${Math.round(pinnedHeight() + 12)}px`;
    cue.hidden = false;
    cue.onclick = () => { cue.hidden = true; target.scrollIntoView({ block: "start" }); focusable(target).focus({ preventScroll: true }); };
    const io = new IntersectionObserver((entries) => {
      if (entries.some((e) => e.isIntersecting)) { cue.hidden = true; io.disconnect(); }
    });
    io.observe(target);
  }
  function focusable(target) {
    if (!target.hasAttribute("tabindex")) target.setAttribute("tabindex", "-1");
    return target;
  }

  // The newest reply, read out once it is drawn: a crisis reply's call / text buttons first.
  let announced = "";
  function announce(target) {
    const buttons = $$('[class*="st-key-act_"] a', target).map((a) => a.innerText.trim());
    const text = [...buttons, target.innerText || ""].join(". ").replace(/\s+/g, " ").trim().slice(0, 600);
    if (!text || text === announced) return;
    announced = text;
    live.textContent = "";
    setTimeout(() => { live.textContent = text; }, 50);
  }

  // A reply's element: the crisis box or the answer container, by message id.
  const replyOf = (mid) => $(`.st-key-crisis_${mid}`) || $(`.st-key-reply_${mid}`);

  function newReplies() {
    for (const m of $$(".bot-new-reply:not([data-seen])")) {
      m.dataset.seen = "1";
      const mid = m.dataset.mid;
      const target = replyOf(mid);
      if (!target) continue;
      const box = target.closest('[data-testid="stChatMessage"]') || target;
      state.announce = target;
      state.announceUntil = now() + 5000;  // read again only while it is still being drawn
      if (state.lastScroll > state.lastSend) showCue(box);
      else { state.target = target; state.targetMid = mid; state.reached = null; state.top = false; }
    }
  }

  // Streamlit's chat container sticks to the bottom (and scrolls back there as content grows)
  // until it sees a wheel or pointer event on itself. A wheel that arrives while it is scrolling
  // only stops that scroll, so a short burst of untrusted wheels, sent to the container alone
  // (no bubbling; page.js ignores untrusted events), ends the stickiness itself.
  let burst = 0;
  function unstick() {
    if (burst) return;
    const box = $('[data-testid="stAppScrollToBottomContainer"]') || scroller();
    if (!box) return;
    let n = 0;
    burst = setInterval(() => {
      box.dispatchEvent(new WheelEvent("wheel", { deltaY: -1, bubbles: false }));
      if (++n >= 15) { clearInterval(burst); burst = 0; }
    }, 10);
  }

  // A reply near the end of the page cannot reach the top of the view: once it is as high as it
  // can go (state.reached), it is moved again only if something else moves it (measured: without
  // this, every 100 ms for good, a scroll and 15 wheel events, 3% of a core per idle page).
  function keepInView() {
    if (state.target && !state.target.isConnected && state.targetMid) {
      // Streamlit can draw the reply's element again: follow the new one, not the detached one.
      state.target = replyOf(state.targetMid) || state.target;
      state.reached = null;
    }
    if (state.target && state.target.isConnected) {
      const top = state.target.getBoundingClientRect().top;
      const moved = state.reached === null || Math.abs(top - state.reached) > 2;
      if (Math.abs(top - 12) > 2 && moved) {
        unstick();
        state.target.scrollIntoView({ block: "start" });
        state.fixes++;
        state.reached = state.target.getBoundingClientRect().top;
      }
    } else if (state.top) {
      const s = scroller();
      if ((s && s.scrollTop) || window.scrollY) { unstick(); s.scrollTop = 0; window.scrollTo(0, 0); state.fixes++; }
    }
  }

  function sync() {
    const m = marker();
    if (m) {
      if (doc.documentElement.lang !== m.dataset.lang) doc.documentElement.lang = m.dataset.lang;
      const label = m.dataset.skip || "Skip to the question box";
      if (skip.textContent !== label) skip.textContent = label;  // (a write is a mutation: only when it changes)
    }
    const box = chatBox();
    if (box && !box.id) box.id = "bot-question";
    const count = $$('[data-testid="stChatMessage"]').length;
    if (count === 0 && state.messages > 0) { state.top = true; state.target = null; }
    state.messages = count;
    newReplies();
    keepInView();
  }

  let queued = false;
  new MutationObserver(() => {
    state.lastChange = now();
    doc.body.dataset.botScroll = "settling";
    if (!queued) { queued = true; requestAnimationFrame(() => { queued = false; sync(); }); }
  }).observe(doc.body, { childList: true, subtree: true, characterData: true, attributes: true,
                         attributeFilter: ["data-test-script-state"] });
  // A scroll nobody asked for (the chat's stick-to-bottom, late layout) while a reply is held
  // in view: put it back now, and the view is not "done" until it has been still for a while.
  // Scroll events do not bubble, so this listens in the capture phase.
  doc.addEventListener("scroll", () => {
    if (!state.target && !state.top) return;
    state.lastChange = now();
    doc.body.dataset.botScroll = "settling";
    requestAnimationFrame(keepInView);
  }, { capture: true, passive: true });

  const running = () => {
    const app = $('[data-testid="stApp"]');
    return !app || ["initial", "running", "rerunRequested"].includes(app.getAttribute("data-test-script-state"));
  };

  setInterval(() => {
    keepInView();
    if (doc.body.dataset.botScroll !== "settling") return;
    if (now() - state.lastChange > SETTLE_MS && !running() && !$('[data-testid="stSpinner"]')) {
      if (state.announce && state.announce.isConnected && now() < state.announceUntil) announce(state.announce);
      doc.body.dataset.botScroll = "done";
    }
  }, 100);

  // What the person does: scrolling stops any automatic scroll; sending starts a new turn.
  const scrollKeys = new Set(["PageUp", "PageDown", "Home", "End", "ArrowUp", "ArrowDown", " "]);
  doc.addEventListener("wheel", userScrolled, { capture: true, passive: true });
  doc.addEventListener("touchmove", userScrolled, { capture: true, passive: true });
  doc.addEventListener("pointerdown", release, { capture: true, passive: true });
  doc.addEventListener("keydown", (e) => {
    const t = e.target;
    const typing = t && (t.tagName === "TEXTAREA" || t.tagName === "INPUT" || t.isContentEditable);
    if (t === chatBox() && e.key === "Enter" && !e.shiftKey) sent();
    else if (!typing && scrollKeys.has(e.key)) userScrolled(e);
    else release(e);
  }, true);

  doc.addEventListener("click", (e) => {
    const t = e.target instanceof Element ? e.target : null;
    if (!t) return;
    if (t.closest("#bot-skip")) {
      e.preventDefault();
      const box = chatBox();
      if (box) { box.focus(); }
      return;
    }
    const cite = t.closest('a[href^="#src-"]');
    if (cite) { e.preventDefault(); openSource(cite.getAttribute("href").slice(5)); return; }
    const plan = t.closest(".bot-plan-download, .bot-plan-print");
    if (plan) { e.preventDefault(); planAction(plan); return; }
    if (t.closest('[data-testid="stChatInputSubmitButton"], [class*="st-key-starter_"] button')) sent();
  }, true);

  // "[n]" in an answer: open that source's panel and move to it.
  function openSource(ref) {
    const [mid, n] = ref.split("-");
    const panel = $(`.st-key-cite_${mid}_${n}`);
    if (!panel) return;
    const summary = $("summary", panel);
    const details = $("details", panel);
    if (details && !details.open && summary) summary.click();
    (summary || panel).scrollIntoView({ block: "center" });
    if (summary) summary.focus({ preventScroll: true });
  }

  // The safety plan: built from the boxes as they are now, so it always holds what is typed.
  function planText(btn) {
    const d = btn.dataset;
    const fields = JSON.parse(d.fields);
    const lines = JSON.parse(d.lines);
    const out = [d.title, new Date().toISOString().slice(0, 10), ""];
    fields.forEach(([fid, label], i) => {
      const box = $(`.st-key-plan_${d.mid}_${fid} textarea`);
      out.push(`${i + 1}. ${label}`, (box && box.value.trim()) || "-", "");
    });
    out.push(d.linesTitle, ...lines.map((l) => `- ${l}`));
    return { out, fields, lines };
  }

  function planAction(btn) {
    const { out, fields, lines } = planText(btn);
    if (btn.classList.contains("bot-plan-download")) {
      const url = URL.createObjectURL(new Blob([out.join("\n") + "\n"], { type: "text/plain;charset=utf-8" }));
      const a = el("a", { href: url, download: btn.dataset.filename });
      doc.body.append(a);
      a.click();
      a.remove();
      setTimeout(() => URL.revokeObjectURL(url), 10000);
      return;
    }
    printable.replaceChildren(el("h1", { textContent: btn.dataset.title }),
                              el("p", { textContent: out[1] }));
    fields.forEach(([fid, label], i) => {
      const box = $(`.st-key-plan_${btn.dataset.mid}_${fid} textarea`);
      printable.append(el("h2", { textContent: `${i + 1}. ${label}` }),
                       el("p", { className: "answer", textContent: (box && box.value.trim()) || "" }));
    });
    const list = el("ul");
    lines.forEach((l) => list.append(el("li", { textContent: l })));
    printable.append(el("h2", { textContent: btn.dataset.linesTitle }), list);
    doc.documentElement.classList.add("bot-printing");
    window.addEventListener("afterprint", () => doc.documentElement.classList.remove("bot-printing"), { once: true });
    window.print();
  }

  window.__bot = { sync, state };
  unstick();
  sync();
})();
