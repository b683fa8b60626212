// Several people in one scene: this page's name, who is here and who steers, the control
// buttons and requests, and other people's pointers as small labelled cursors. Names are
// untrusted: they only ever become text (textContent), never markup.
import { controlButtons, cursorDue, driverLine, initialName, kNameKey, presenceOf, roleLabel, cleanName } from "./people.js";

const kRequestMs = 15000; // a request nobody answered disappears (the implicit rule grants it)
const kNoteMs = 4000;

// ui: the elements of index.html's #people section and #cursors; sendRoom: connection.js's
// (names, control and cursors go out also from view-only pages); place: frame fraction →
// client point, norm: the reverse (drawing.js).
export function createTogether(ui, stats, { sendRoom, place, norm }) {
  let selfId = 0, presence = null, askerId = 0, requestTimer = 0, noteTimer = 0;
  let lastCursorAt = -Infinity, waitingCursor = null, cursorTimer = 0;
  const cursors = new Map(); // id -> { el, x, y }
  const stored = (() => { try { return localStorage.getItem(kNameKey); } catch (e) { return null; } })();
  let name = initialName(location.search, stored);

  function remember(value) { try { localStorage.setItem(kNameKey, value); } catch (e) { /* private mode */ } }
  function announce() { if (name) sendRoom({ type: "name", name }); }
  function note(text) {
    ui.note.textContent = text; ui.note.hidden = !text;
    clearTimeout(noteTimer);
    if (text) noteTimer = setTimeout(() => note(""), kNoteMs);
  }

  // ---- the name, asked once ----
  ui.nameForm.hidden = name !== null;
  ui.nameForm.addEventListener("submit", e => {
    e.preventDefault();
    const chosen = cleanName(ui.nameInput.value);
    remember(chosen);
    ui.nameForm.hidden = true;
    if (chosen) { name = chosen; announce(); }
    ui.view.focus();
  });
  ui.nameSkip.addEventListener("click", () => { remember(""); ui.nameForm.hidden = true; ui.view.focus(); });

  // ---- presence and control ----
  function render() {
    const view = presence;
    const self = view?.participants.find(p => p.self);
    stats.name = self ? self.name : (name || "");
    stats.driver = view?.driver ? view.driver.name : null;
    stats.participants = view ? view.participants.map(p => ({ name: p.name, role: p.role, self: p.self })) : [];
    ui.driver.textContent = driverLine(view);
    ui.list.replaceChildren(...(view ? view.participants : []).map(p => {
      const li = document.createElement("li");
      li.className = p.role;
      const who = document.createElement("span");
      who.textContent = p.name + (p.self ? " (you)" : "");
      const what = document.createElement("span");
      what.className = "muted";
      what.textContent = " · " + roleLabel(p.role) + (p.address ? " · " + p.address : "");
      li.append(who, what);
      return li;
    }));
    const buttons = controlButtons(view, stats.viewOnly);
    ui.ask.hidden = !buttons.ask;
    ui.keep.hidden = !buttons.keep;
    ui.release.hidden = !buttons.release;
    if (!buttons.release) hideRequest(); // no longer the driver: nothing to answer
    for (const [id, c] of cursors) if (!view?.participants.some(p => p.id === id)) { c.el.remove(); cursors.delete(id); }
  }
  function showRequest(msg) {
    askerId = msg.id;
    ui.requestText.textContent = String(msg.name ?? "Someone") + " asks for control";
    ui.request.hidden = false;
    clearTimeout(requestTimer);
    requestTimer = setTimeout(hideRequest, kRequestMs);
  }
  function hideRequest() { ui.request.hidden = true; askerId = 0; clearTimeout(requestTimer); }
  const control = (action, extra) => sendRoom({ type: "control", action, ...extra });
  ui.ask.addEventListener("click", () => { control("ask"); note("Asked for control"); ui.view.focus(); });
  ui.keep.addEventListener("click", () => { control("keep"); ui.view.focus(); });
  ui.release.addEventListener("click", () => { control("release"); ui.view.focus(); });
  ui.give.addEventListener("click", () => { control("give", askerId ? { to: askerId } : {}); hideRequest(); ui.view.focus(); });
  ui.refuse.addEventListener("click", () => { control("keep"); hideRequest(); ui.view.focus(); });

  // ---- pointers: ours out (at most 20 a second, the newest last), others' drawn ----
  function sendCursor(pos) {
    const now = performance.now();
    if (!cursorDue(lastCursorAt, now)) {
      waitingCursor = pos;
      if (!cursorTimer) cursorTimer = setTimeout(() => { cursorTimer = 0; const p = waitingCursor; waitingCursor = null; if (p) sendCursor(p); }, 50);
      return;
    }
    lastCursorAt = now;
    sendRoom({ type: "cursor", x: pos.x, y: pos.y });
  }
  ui.view.addEventListener("pointermove", e => sendCursor(norm(e.clientX, e.clientY)), { passive: true });
  ui.view.addEventListener("pointerleave", () => { waitingCursor = null; sendRoom({ type: "cursor", over: false }); });

  function moveCursor(c) {
    const at = place(c.x, c.y);
    c.el.style.transform = `translate(${at.x}px, ${at.y}px)`;
  }
  function showCursor(msg) {
    let c = cursors.get(msg.id);
    if (!msg.over) { if (c) { c.el.remove(); cursors.delete(msg.id); } return; }
    if (!c) {
      const el = document.createElement("div");
      el.className = "cursor";
      const label = document.createElement("span");
      el.append(label);
      ui.cursors.append(el);
      c = { el, label, x: 0, y: 0 };
      cursors.set(msg.id, c);
    }
    c.label.textContent = String(msg.name ?? "");
    c.x = Math.min(1, Math.max(0, Number(msg.x) || 0));
    c.y = Math.min(1, Math.max(0, Number(msg.y) || 0));
    moveCursor(c);
  }
  addEventListener("resize", () => { for (const c of cursors.values()) moveCursor(c); });

  return {
    hello(msg) { selfId = msg.id; announce(); },
    presence(msg) { presence = presenceOf(msg, selfId); render(); },
    ask: showRequest,
    cursor: showCursor,
    refused(msg) { note(String(msg.reason ?? "refused")); },
    closed() { for (const c of cursors.values()) c.el.remove(); cursors.clear(); presence = null; render(); },
  };
}
