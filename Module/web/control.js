// The toolbar: reset camera, interaction style, statistics toggle (also F2 anywhere).
export function createControls(ui, send) {
  function toggleOverlay(show) {
    const visible = show === undefined ? ui.overlay.hidden : show;
    ui.overlay.hidden = !visible;
    ui.info.setAttribute("aria-pressed", String(visible));
  }
  // The radio buttons follow the style, also when a key (t, j) changed it in the application.
  function syncStyle(value) {
    for (const input of ui.style.querySelectorAll("input")) input.checked = input.value === value;
  }
  ui.info.addEventListener("click", () => toggleOverlay());
  ui.reset.addEventListener("click", () => { send({ type: "action", name: "resetCamera" }, true); ui.view.focus(); });
  ui.style.addEventListener("change", e => {
    send({ type: "action", name: "style", value: e.target.value }, false);
    ui.view.focus();
  });
  // The view handles its own F2 (keys.js); anywhere else on the page it is ours.
  addEventListener("keydown", e => {
    if (e.key === "F2" && e.target !== ui.view) { toggleOverlay(); e.preventDefault(); }
  });
  return { toggleOverlay, syncStyle };
}
