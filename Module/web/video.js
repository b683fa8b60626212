// H.264 through WebCodecs (secure contexts only). One decoder per connection: it starts at a
// key frame (the server sends one to every new viewer); after a decoder error, a new one asks
// the server for the next key frame. JPEG stills arrive tagged in the same stream.
const kAvc = { codec: "avc1.42E01F", optimizeForLatency: true }; // constrained baseline
const kTagJpeg = 0x4A, kTagKey = 0x4B; // "J": the picture on joining, or a still; "K": key frame

// Why this browser gets JPEG ("" when H.264 works). codec: the page's ?codec=, if any.
export function videoSupport(codec) {
  if (codec === "jpeg") return Promise.resolve("forced by ?codec=jpeg");
  if (!window.isSecureContext) return Promise.resolve("H.264 needs https or localhost");
  if (typeof VideoDecoder !== "function") return Promise.resolve("this browser has no WebCodecs");
  if (codec === "h264") return Promise.resolve("");
  return VideoDecoder.isConfigSupported(kAvc).then(r => r.supported ? "" : "this browser cannot decode H.264",
                                                   () => "this browser cannot decode H.264");
}

// view: drawing.js's view; askForKey: asks the server for a key frame.
export function createVideo(view, stats, askForKey) {
  let decoder = null, needKey = true;
  function reset() {
    if (decoder && decoder.state !== "closed") decoder.close();
    decoder = null; needKey = true;
  }
  function start() {
    decoder = new VideoDecoder({
      output: frame => view.show(frame, frame.timestamp),
      error: () => { stats.decodeErrors++; decoder = null; needKey = true; askForKey(); },
    });
    decoder.configure(kAvc);
    needKey = true;
  }
  function decode(key, bytes) {
    if (!decoder) start();
    if (needKey && !key) { stats.deltasSkipped++; return; } // the next key frame starts the picture
    needKey = false;
    stats.videoFrames++; if (key) stats.keyFrames++;
    try {
      decoder.decode(new EncodedVideoChunk({ type: key ? "key" : "delta", timestamp: view.arrive(), data: bytes }));
    } catch (e) { stats.decodeErrors++; reset(); askForKey(); }
  }
  // A binary message: a plain JPEG on a JPEG stream; a tagged one on an H.264 stream.
  function onFrame(data) {
    if (stats.codec !== "h264") return view.showJpeg(data);
    const tag = new Uint8Array(data, 0, 1)[0], bytes = new Uint8Array(data, 1);
    if (tag === kTagJpeg) view.showJpeg(bytes);
    else decode(tag === kTagKey, bytes);
  }
  return { reset, onFrame };
}
