// Recording from the page (protocol: Module/server/README.md): a full-link viewer starts and
// stops a recording in the server's --record-dir and downloads the recordings; everyone sees
// that the session is being recorded.

// "4.1 MiB", "812 KiB".
export function formatBytes(bytes) {
  const n = Math.max(0, Number(bytes) || 0);
  return n >= 1 << 20 ? (n / (1 << 20)).toFixed(1) + " MiB" : Math.round(n / 1024) + " KiB";
}
// "1:05", "12 s".
export function formatSeconds(seconds) {
  const s = Math.max(0, Math.floor(Number(seconds) || 0));
  return s < 60 ? s + " s" : Math.floor(s / 60) + ":" + String(s % 60).padStart(2, "0");
}
// What the page shows for a {"type":"recording"} message: the indicator (everyone), and the
// button (full link only: null hides it). The page stops only a recording it started; one
// started by the application or the command line is theirs to stop.
export function recordingView(msg, viewOnly) {
  const active = !!(msg && msg.active);
  const indicator = active ? "● REC " + formatSeconds(msg.seconds) + " · " + formatBytes(msg.bytes) : "";
  if (viewOnly) return { indicator, button: null };
  if (!active) return { indicator, button: { label: "● Rec", action: "start", disabled: false } };
  const ours = msg.by === "page";
  return { indicator, button: { label: "■ Stop", action: "stop", disabled: !ours,
    title: ours ? "Stop recording" : "Recorded by the " + msg.by + ", which stops it" } };
}

export function createRecording(ui, stats, sendRoom) {
  let action = "start";
  function show(msg) {
    stats.recording = msg;
    showPublish(msg);
    const view = recordingView(msg, stats.viewOnly);
    ui.recState.textContent = view.indicator;
    ui.recState.hidden = !view.indicator;
    ui.record.hidden = ui.recordings.hidden = !view.button;
    if (!view.button) return;
    action = view.button.action;
    ui.record.textContent = view.button.label;
    ui.record.disabled = view.button.disabled;
    ui.record.title = view.button.title || (action === "start" ? "Record the session (on the server's disk)" : "Stop recording");
    if (msg.message) ui.recState.title = msg.message;
  }
  // The publisher's state (--publish), in the statistics overlay.
  function showPublish(msg) {
    const state = (msg && msg.publish) || "off";
    for (const element of ui.overlay.querySelectorAll(".publish")) element.hidden = state === "off";
    ui.publish.textContent = state;
  }
  ui.record.addEventListener("click", () => sendRoom({ type: "record", action }));
  // The list of recordings, each a download link (relative: prefix mounts keep working).
  ui.recordings.addEventListener("click", async () => {
    if (!ui.files.hidden) { ui.files.hidden = true; return; }
    const response = await fetch("recordings/", { credentials: "same-origin" });
    const files = response.ok ? await response.json() : [];
    ui.files.replaceChildren(...(files.length ? files.map(file => {
      const item = document.createElement("li");
      const link = Object.assign(document.createElement("a"), { href: "recordings/" + encodeURIComponent(file.name),
        download: file.name, textContent: file.name });
      item.append(link, " " + formatBytes(file.bytes));
      return item;
    }) : [Object.assign(document.createElement("li"), { textContent: "No recordings yet" })]));
    ui.files.hidden = false;
  });
  return { show };
}
