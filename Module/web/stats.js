// The page's public, read-only numbers (window.renderStream.stats): tests and curious people
// read them, so their names and shapes are part of the page's interface.
export function createStats() {
  return {
    connected: false, viewOnly: false, hello: null, connects: 0,
    framesReceived: 0, framesDrawn: 0, bytesReceived: 0, eventsSent: 0, link: null,
    frameWidth: 0, frameHeight: 0, lastFrameAt: 0, lastInputAt: 0,
    fps: 0, kbps: 0, latencyMs: 0, latencySamples: [], frameTimes: [], shownTimes: [],
    refused: "", // why the server refused this page (then it stops retrying)
    ended: false, // the application stopped streaming (then it stops retrying too)
    busySeconds: 0, // the application has not taken input for this long (server "busy")
    codec: "", videoWhy: "", keyFrames: 0, videoFrames: 0, decodeErrors: 0, deltasSkipped: 0,
    shown: "", // what is on screen: "jpeg" (a frame or a still) or "video"
    // Where a frame's time goes, ms, medians over the last second: the server's part from its
    // "timing" message (render end → encoded → sent → arrived, from our acks), ours measured.
    breakdown: { encodeMs: 0, queueMs: 0, networkMs: 0, decodeMs: 0, drawMs: 0 },
    // Several people: this page's name, who steers (a name, null: nobody) and who is here
    // ([{name, role: "driver"|"participant"|"viewer", self}]), from the server's presence.
    name: "", driver: null, participants: [],
    recording: null, // the server's last {"type":"recording"} message: is the session recorded?
  };
}

// Appends a value and drops the oldest beyond `limit`: the page keeps only recent history.
export function pushBounded(list, value, limit) {
  list.push(value);
  if (list.length > limit) list.shift();
}

// The upper median (0 for no values), as the overlay shows it.
export function median(values) {
  const v = [...values].sort((a, b) => a - b);
  return v.length ? v[v.length >> 1] : 0;
}
