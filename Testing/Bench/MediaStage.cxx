// media: what recording and publishing cost.
//  - muxing, in this process at 1280x720: the H.264 units of a rendered drag written by the
//    server's VideoMuxer into a fragmented MP4 (as a recording is), against encoding them;
//  - the real StreamCone at 1280x720 during a drag with one H.264 viewer, without and with a
//    recording (and a publication, when nginx's rtmp module is installed): the frames it
//    renders a second, the H.264 encodes per captured frame and the server's CPU. Recording
//    takes the units the viewers get, so the first two must not move.
#include "BenchApp.h"
#include "H264Encoder.h"
#include "LinkViewer.h"
#include "MediaServer.h"
#include "RenderedFrames.h"
#include "ServerProcess.h" // for CpuSeconds
#include "VideoMuxer.h"
#include "VideoStages.h"
#include "YuvConverter.h"

#include <cstdlib>
#include <filesystem>
#include <optional>

namespace renderstream::bench
{
namespace
{
namespace rs = renderstream::server;
namespace rt = renderstream::testing;
using Clock = std::chrono::steady_clock;

double MsSince(Clock::time_point start)
{
  return std::chrono::duration<double, std::milli>(Clock::now() - start).count();
}

json Muxing(const BenchOptions& options)
{
  constexpr int w = 1280, h = 720;
  Scene scene(w, h);
  const std::vector<Frame> frames = Render(scene, options.Smoke ? 12 : 120, false);
  std::string why;
  const std::string backend = rs::H264Encoder::Choose("auto", why);
  std::string error;
  auto encoder = rs::H264Encoder::Create(backend, w, h, rs::H264Encoder::QpFor(backend, 80), 1, error);
  if (!encoder)
  {
    throw std::runtime_error(backend + ": " + error);
  }
  rs::YuvConverter converter;
  std::vector<rs::AccessUnit> units(frames.size());
  double encodeMs = 0;
  for (std::size_t i = 0; i < frames.size(); ++i)
  {
    const auto start = Clock::now();
    encoder->Encode(rs::EvenCrop(converter.Convert(frames[i].View(), 1)), static_cast<std::int64_t>(i) * 16, i == 0,
      units[i], error);
    encodeMs += MsSince(start);
  }
  rt::TempDir dir("bench-mux");
  const std::string file = dir.Path + "/drag.mp4";
  const auto start = Clock::now();
  {
    rs::VideoMuxer muxer(file, units[0].Data, w, h, [] { return false; });
    for (std::size_t i = 0; i < units.size(); ++i)
    {
      muxer.Write(units[i].Data, units[i].Key, static_cast<std::int64_t>(i) * 16667, 16667);
    }
    muxer.Finish();
  }
  const double n = static_cast<double>(units.size());
  const double muxUs = MsSince(start) * 1000 / n;
  return { { "encoder", backend }, { "units", units.size() }, { "encodeMsPerFrame", Round(encodeMs / n, 2) },
    { "muxUsPerFrame", Round(muxUs, 1) }, { "muxVsEncode", Round(muxUs / 1000 / (encodeMs / n), 4) } };
}

// StreamCone during a drag with one H.264 viewer; `extra`: its --record option.
json Drag(const BenchOptions& options, const std::vector<std::string>& extra)
{
  App app("StreamCone", "1280x720", extra);
  rt::LinkViewer viewer(rt::LinkViewer::Kind::H264WebSocket, app.Address.Port, app.Address.Token, false);
  Pause(1000);
  const json before = rt::GetStats(app.Address.Port, app.Address.Token);
  const double cpu0 = rt::CpuSeconds(app.Server);
  const auto start = Clock::now();
  rt::DragAcross(app.Address, options.Smoke ? 2.0 : options.Seconds * 2);
  const double wall = MsSince(start) / 1000;
  const json after = rt::GetStats(app.Address.Port, app.Address.Token);
  const auto delta = [&](const char* group, const char* name) {
    return after[group][name].get<double>() - before[group][name].get<double>();
  };
  return { { "renderFps", Round(delta("frames", "captured") / wall, 2) },
    { "encodesPerFrame", Round(delta("video", "frames") / std::max(1.0, delta("frames", "acquired")), 3) },
    { "serverCpuPercent", Round(100 * (rt::CpuSeconds(app.Server) - cpu0) / wall, 1) },
    { "recordedFrames", after["recording"]["frames"] }, { "publishedFrames", after["publish"]["frames"] },
    { "publishState", after["publish"]["state"] } };
}
} // namespace

json MediaStage(const BenchOptions& options)
{
  json out = { { "mux", Muxing(options) } };
  out["without"] = Drag(options, {});
  rt::TempDir dir("bench-record");
  std::optional<rt::MediaServer> nginx;
  if (std::filesystem::exists("/usr/lib/nginx/modules/ngx_rtmp_module.so"))
  {
    nginx.emplace();
    ::setenv("RENDERSTREAM_PUBLISH_URL", nginx->RtmpUrl("cone").c_str(), 1); // as the streamer passes it
  }
  out["with"] = Drag(options, { "--record", dir.Path + "/drag.mp4" });
  ::unsetenv("RENDERSTREAM_PUBLISH_URL");
  const double fps = out["with"]["renderFps"].get<double>() / std::max(0.1, out["without"]["renderFps"].get<double>());
  const double encodes = out["with"]["encodesPerFrame"].get<double>() / std::max(0.001, out["without"]["encodesPerFrame"].get<double>());
  out["renderFpsRatio"] = Round(fps, 3);
  out["encodesPerFrameRatio"] = Round(encodes, 3);
  const json& mux = out["mux"];
  const std::string figure = "muxing " + Fmt(mux["muxUsPerFrame"].get<double>(), 0) + " us/frame against " +
    Fmt(mux["encodeMsPerFrame"].get<double>(), 1) + " ms encoding (" + mux["encoder"].get<std::string>() +
    "); StreamCone drag " + Fmt(out["without"]["renderFps"].get<double>(), 1) + " fps without, " +
    Fmt(out["with"]["renderFps"].get<double>(), 1) + " fps recording" + (nginx ? " and publishing" : "") +
    " (encodes/frame " + Fmt(out["without"]["encodesPerFrame"].get<double>(), 2) + " -> " +
    Fmt(out["with"]["encodesPerFrame"].get<double>(), 2) + ", server CPU " +
    Fmt(out["without"]["serverCpuPercent"].get<double>(), 0) + " % -> " + Fmt(out["with"]["serverCpuPercent"].get<double>(), 0) + " %)";
  const bool met = fps >= 0.9 && encodes <= 1.1 && mux["muxVsEncode"].get<double>() <= 0.05;
  out["summary"] = Summary(figure, fps, "render fps with/without >= 0.9, encodes per frame unchanged, muxing <= 5 % of encoding", met);
  return out;
}
} // namespace renderstream::bench
