// RenderStreamVideoBench: JPEG against H.264 (Testing/Bench/README.md). Prints each figure and
// writes JSON for bench_report.py. Stages:
//  codecs  in this process, at 1280x720: the same rendered frames of a drag (the camera turns)
//          and an animation (the objects move) through the server's JPEG encoder and each H.264
//          backend: size, PSNR against the rendered pixels, encode time (with RGB -> YUV); then
//          the H.264 quantiser that matches JPEG's PSNR, and its size against JPEG's.
//  apps    the real StreamCone (a drag) and NetworkLayout (its animation) at 1280x720, one
//          viewer at a time, JPEG then H.264: kbit/s, frames a second, server CPU.
//  viewers StreamCone during a drag with 1, 10 and 50 H.264 viewers against as many JPEG ones:
//          server CPU (one shared encoder per rung, so it should not grow with the viewers).
//  links   StreamCone at 960x540 through a 2 Mbit/s and a 300 kbit/s link (ThrottlingProxy):
//          frames a second during a drag and catch-up after it, JPEG against H.264.
//  media   recording and publishing: muxing against encoding; StreamCone's render rate and
//          encodes per frame during a drag without and with them (MediaStage.cxx).
#include "BenchApp.h"
#include "BenchCommon.h"
#include "H264Encoder.h"
#include "JpegEncoder.h"
#include "LinkViewer.h"
#include "Rendition.h"
#include "RenderedFrames.h"
#include "VideoStages.h"
#include "ServerProcess.h" // for CpuSeconds
#include "ThrottlingProxy.h"
#include "VideoDecoder.h"
#include "YuvConverter.h"

extern "C"
{
#include <libavutil/log.h>
}

#include <fstream>
#include <map>

using namespace renderstream::bench;
namespace rt = renderstream::testing;
namespace rs = renderstream::server;
using Clock = std::chrono::steady_clock;

namespace
{
constexpr int kQuality = 80; // the default --quality: level 0 of both ladders

using Options = BenchOptions;

// ---- codecs ---------------------------------------------------------------------------------
double PsnrOf(const rt::DecodedImage& image, const Frame& source, int w, int h)
{
  if (!image.Ok)
  {
    return 0;
  }
  return rt::Psnr(image, [&](int x, int y) {
    const std::uint8_t* p = &source.Rgb[(std::size_t(h - 1 - y) * w + x) * 3];
    return rt::Rgb{ p[0], p[1], p[2] };
  });
}

struct CodecResult
{
  double Bytes = 0, Psnr = 0, Ms = 0; // means per frame
  double YuvMs = 0;                   // of Ms: RGB -> YUV
};

CodecResult RunJpeg(const std::vector<Frame>& frames, int w, int h, int quality = kQuality)
{
  rs::JpegEncoder encoder(w, h);
  CodecResult r;
  for (const Frame& frame : frames)
  {
    std::string jpeg, error;
    const auto start = Clock::now();
    encoder.Encode(frame.View(), quality, jpeg, error);
    r.Ms += std::chrono::duration<double, std::milli>(Clock::now() - start).count();
    r.Bytes += static_cast<double>(jpeg.size());
    r.Psnr += PsnrOf(rt::DecodeJpeg(jpeg), frame, w, h);
  }
  const double n = static_cast<double>(frames.size());
  return { r.Bytes / n, r.Psnr / n, r.Ms / n };
}

// The whole sequence as one stream (first frame key, the rest deltas), as a free viewer gets it.
CodecResult RunH264(const std::string& backend, const std::vector<Frame>& frames, int w, int h, int qp)
{
  std::string error;
  auto encoder = rs::H264Encoder::Create(backend, w, h, qp, 1, error);
  if (!encoder)
  {
    throw std::runtime_error(backend + ": " + error);
  }
  rs::YuvConverter converter;
  rt::VideoDecoder decoder;
  CodecResult r;
  std::int64_t t = 0;
  for (const Frame& frame : frames)
  {
    rs::AccessUnit unit;
    const auto start = Clock::now();
    const rs::YuvView yuv = rs::EvenCrop(converter.Convert(frame.View(), 1));
    r.YuvMs += std::chrono::duration<double, std::milli>(Clock::now() - start).count();
    encoder->Encode(yuv, t += 33, false, unit, error);
    r.Ms += std::chrono::duration<double, std::milli>(Clock::now() - start).count();
    r.Bytes += static_cast<double>(unit.Data.size());
    r.Psnr += PsnrOf(decoder.Decode(unit.Data), frame, w, h);
  }
  const double n = static_cast<double>(frames.size());
  return { r.Bytes / n, r.Psnr / n, r.Ms / n, r.YuvMs / n };
}

json CodecsStage(const Options& options)
{
  constexpr int w = 1280, h = 720;
  Scene scene(w, h);
  const int count = options.Smoke ? 6 : 40;
  json out = json::object();
  std::vector<std::string> backends;
  for (const auto& name : rs::H264Encoder::Backends())
  {
    std::string why;
    if (!rs::H264Encoder::Choose(name, why).empty())
    {
      backends.push_back(name);
    }
  }
  double worstRatio = 0;
  std::string figure;
  for (const bool animate : { false, true })
  {
    const std::string sequence = animate ? "animation" : "drag";
    const std::vector<Frame> frames = Render(scene, count, animate);
    const CodecResult jpeg = RunJpeg(frames, w, h);
    json rows = { { "jpeg q" + std::to_string(kQuality),
      { { "KiB", Round(jpeg.Bytes / 1024, 1) }, { "psnrDb", Round(jpeg.Psnr, 2) }, { "encodeMs", Round(jpeg.Ms, 2) } } } };
    figure += (figure.empty() ? "" : "; ") + sequence + ": JPEG " + Fmt(jpeg.Bytes / 1024, 1) + " KiB " + Fmt(jpeg.Psnr, 1) + " dB " + Fmt(jpeg.Ms, 1) + " ms";
    for (const std::string& backend : backends)
    {
      const int levelQp = rs::H264Encoder::QpFor(backend, kQuality);
      const CodecResult atLevel = RunH264(backend, frames, w, h, levelQp);
      // The coarsest quantiser whose PSNR is still at least JPEG's.
      int equalQp = 0;
      CodecResult equal;
      for (int qp = 10; qp <= 34; qp += 2)
      {
        const CodecResult r = qp == levelQp ? atLevel : RunH264(backend, frames, w, h, qp);
        if (r.Psnr < jpeg.Psnr)
        {
          break;
        }
        equalQp = qp;
        equal = r;
      }
      const double ratio = equalQp ? equal.Bytes / jpeg.Bytes : 1.0;
      worstRatio = std::max(worstRatio, ratio);
      rows[backend] = { { "qp", levelQp }, { "KiB", Round(atLevel.Bytes / 1024, 2) }, { "psnrDb", Round(atLevel.Psnr, 2) },
        { "encodeMs", Round(atLevel.Ms, 2) }, { "ofWhichYuvMs", Round(atLevel.YuvMs, 2) }, { "equalPsnrQp", equalQp }, { "equalPsnrKiB", Round(equal.Bytes / 1024, 2) },
        { "equalPsnrDb", Round(equal.Psnr, 2) }, { "bytesVsJpegAtEqualPsnr", Round(ratio, 3) } };
      figure += ", " + backend + " " + Fmt(atLevel.Bytes / 1024, 1) + " KiB " + Fmt(atLevel.Psnr, 1) + " dB " +
        Fmt(atLevel.Ms, 1) + " ms (equal PSNR at qp " + std::to_string(equalQp) + ": " + Fmt(ratio, 3) + "x JPEG)";
    }
    out[sequence] = rows;
  }
  out["frames"] = count;
  out["summary"] = Summary(figure, worstRatio, "H.264 bytes <= 0.25 of JPEG's at equal PSNR", worstRatio <= 0.25);
  return out;
}

// ---- match: the quantiser of each JPEG quality -------------------------------------------------
// For JPEG qualities across the ladder's range, each software backend's coarsest quantiser whose
// PSNR on the same frames (a drag and an animation together) is still at least JPEG's: the
// measurement H264Encoder::QpFor()'s table is set from, and checked against here.
json MatchStage(const Options& options)
{
  constexpr int w = 1280, h = 720;
  Scene scene(w, h);
  const int count = options.Smoke ? 4 : 24;
  std::vector<Frame> frames = Render(scene, count, false);
  for (Frame& f : Render(scene, count, true))
  {
    frames.push_back(std::move(f));
  }
  json out = json::object();
  std::string figure;
  int worst = 0;
  for (const char* backend : { "openh264", "libx264" })
  {
    std::string why;
    if (rs::H264Encoder::Choose(backend, why).empty())
    {
      continue;
    }
    figure += std::string(figure.empty() ? "" : "; ") + backend + ":";
    for (const int quality : { 30, 45, 60, 80, 95 })
    {
      const double target = RunJpeg(frames, w, h, quality).Psnr;
      int low = 10, high = 45; // PSNR falls as the quantiser grows: the last one at or above
      while (low < high)
      {
        const int qp = (low + high + 1) / 2;
        if (RunH264(backend, frames, w, h, qp).Psnr >= target)
        {
          low = qp;
        }
        else
        {
          high = qp - 1;
        }
      }
      const int table = rs::H264Encoder::QpFor(backend, quality);
      worst = std::max(worst, std::abs(table - low));
      out[backend][std::to_string(quality)] = { { "jpegPsnrDb", Round(target, 2) }, { "measuredQp", low }, { "tableQp", table } };
      figure += " q" + std::to_string(quality) + " " + std::to_string(low) + " (table " + std::to_string(table) + ")";
    }
  }
  out["summary"] = Summary(figure, worst, "the table within 2 of the measured quantiser", worst <= 2);
  return out;
}

// ---- the real applications (BenchApp.h) ------------------------------------------------------
// What one kind of viewer got over `seconds` of the app's motion (a drag when `drag`).
json Watch(App& app, rt::LinkViewer::Kind kind, bool drag, double seconds)
{
  rt::LinkViewer viewer(kind, app.Address.Port, app.Address.Token, /*decode=*/false);
  Pause(800); // the first frames (and the video's key frame) cross
  const auto start = Clock::now();
  const double cpu0 = rt::CpuSeconds(app.Server);
  if (drag)
  {
    rt::DragAcross(app.Address, seconds);
  }
  else
  {
    Pause(static_cast<int>(seconds * 1000));
  }
  const auto end = Clock::now();
  const double wall = std::chrono::duration<double>(end - start).count();
  const double cpu = (rt::CpuSeconds(app.Server) - cpu0) / wall;
  double bytes = 0;
  int frames = 0;
  for (const rt::Received& f : viewer.Frames())
  {
    if (f.At >= start && f.At < end)
    {
      bytes += static_cast<double>(f.Bytes);
      ++frames;
    }
  }
  return { { "kbps", Round(bytes * 8 / 1000 / wall, 1) }, { "fps", Round(frames / wall, 2) },
    { "serverCpuPercent", Round(100 * cpu, 1) } };
}

json AppsStage(const Options& options)
{
  json out = json::object();
  std::string figure;
  double worst = 0;
  for (const auto& [name, drag] : { std::pair<const char*, bool>{ "StreamCone", true }, { "NetworkLayout", false } })
  {
    App app(name, "1280x720");
    const double seconds = options.Smoke ? 1.5 : options.Seconds;
    json jpeg = Watch(app, rt::LinkViewer::Kind::AckingWebSocket, drag, seconds);
    json h264 = Watch(app, rt::LinkViewer::Kind::H264WebSocket, drag, seconds);
    const json stats = rt::GetStats(app.Address.Port, app.Address.Token);
    h264["encodeMsMean"] = Round(stats["video"]["encodeMsMean"].get<double>(), 2);
    jpeg["encodeMsMean"] = Round(stats["encodeMs"]["mean"].get<double>(), 2);
    const double perFrame = [&] {
      const double j = jpeg["kbps"].get<double>() / std::max(0.1, jpeg["fps"].get<double>());
      const double v = h264["kbps"].get<double>() / std::max(0.1, h264["fps"].get<double>());
      return j > 0 ? v / j : 1.0;
    }();
    worst = std::max(worst, perFrame);
    out[name] = { { "jpeg", jpeg }, { "h264", h264 }, { "h264BytesPerFrameVsJpeg", Round(perFrame, 3) },
      { "encoder", stats["video"]["encoder"] } };
    figure += std::string(figure.empty() ? "" : "; ") + name + (drag ? " drag" : " animation") + ": JPEG " +
      Fmt(jpeg["kbps"].get<double>(), 0) + " kbit/s " + Fmt(jpeg["fps"].get<double>(), 1) + " fps CPU " +
      Fmt(jpeg["serverCpuPercent"].get<double>(), 0) + " %, H.264 " + Fmt(h264["kbps"].get<double>(), 0) + " kbit/s " +
      Fmt(h264["fps"].get<double>(), 1) + " fps CPU " + Fmt(h264["serverCpuPercent"].get<double>(), 0) + " %";
  }
  out["summary"] = Summary(figure, worst, "H.264 bytes/frame <= 0.25 of JPEG's", worst <= 0.25);
  return out;
}

json ViewersStage(const Options& options)
{
  App app("StreamCone", "1280x720");
  json out = json::object();
  std::string figure;
  double first = 0, last = 0;
  const double seconds = options.Smoke ? 1.5 : options.Seconds;
  for (const int count : { 1, 10, 50 })
  {
    json row;
    for (const auto& [codec, kind] : { std::pair<const char*, rt::LinkViewer::Kind>{ "jpeg", rt::LinkViewer::Kind::AckingWebSocket },
           { "h264", rt::LinkViewer::Kind::H264WebSocket } })
    {
      std::vector<std::unique_ptr<rt::LinkViewer>> viewers;
      for (int i = 0; i < count; ++i)
      {
        viewers.push_back(std::make_unique<rt::LinkViewer>(kind, app.Address.Port, app.Address.Token, false));
      }
      Pause(1000);
      const auto start = Clock::now();
      const double cpu0 = rt::CpuSeconds(app.Server);
      rt::DragAcross(app.Address, seconds);
      const double wall = std::chrono::duration<double>(Clock::now() - start).count();
      row[codec] = Round(100 * (rt::CpuSeconds(app.Server) - cpu0) / wall, 1);
    }
    out[std::to_string(count)] = row;
    (count == 1 ? first : last) = row["h264"].get<double>();
    figure += std::string(figure.empty() ? "" : ", ") + std::to_string(count) + ": H.264 " +
      Fmt(row["h264"].get<double>(), 0) + " % / JPEG " + Fmt(row["jpeg"].get<double>(), 0) + " %";
  }
  const double ratio = first > 0 ? last / first : 0;
  out["summary"] = Summary("server CPU during a drag at 1280x720, " + figure, ratio,
    "CPU at 50 H.264 viewers <= 1.5x at 1", ratio <= 1.5);
  return out;
}

json LinksStage(const Options& options)
{
  json out = json::object();
  std::string figure;
  double fps300 = 0;
  for (const auto& [name, bits] : { std::pair<const char*, double>{ "2M", 2e6 }, { "300k", 300e3 } })
  {
    json row;
    for (const auto& [codec, kind] : { std::pair<const char*, rt::LinkViewer::Kind>{ "jpeg", rt::LinkViewer::Kind::AckingWebSocket },
           { "h264", rt::LinkViewer::Kind::H264WebSocket } })
    {
      App app("StreamCone", "960x540");
      rt::ThrottlingProxy link(app.Address.Port, bits);
      rt::LinkViewer viewer(kind, link.Port, app.Address.Token);
      Pause(1500);
      const auto dragStart = Clock::now();
      const auto letGo = rt::DragAcross(app.Address, options.Smoke ? 2.0 : 3.0);
      Pause(2500);
      const auto frames = viewer.Frames();
      const auto from = dragStart + std::chrono::seconds(1);
      const double fps = rt::Fps(frames, from, letGo);
      const double catchUp = rt::CatchUp(frames, letGo, rt::AppPicture(app.Address));
      row[codec] = { { "dragFps", Round(fps, 2) }, { "catchUpSeconds", Round(catchUp) }, { "brokenUnits", viewer.BrokenUnits() } };
      fps300 = std::string(name) == "300k" && std::string(codec) == "h264" ? fps : fps300;
    }
    out[name] = row;
    figure += std::string(figure.empty() ? "" : "; ") + name + "bit/s: JPEG " + Fmt(row["jpeg"]["dragFps"].get<double>(), 1) +
      " fps (catch-up " + Fmt(row["jpeg"]["catchUpSeconds"].get<double>()) + " s), H.264 " +
      Fmt(row["h264"]["dragFps"].get<double>(), 1) + " fps (catch-up " + Fmt(row["h264"]["catchUpSeconds"].get<double>()) + " s)";
  }
  out["summary"] = Summary(figure, fps300, "H.264 >= 10 fps during a drag at 300 kbit/s", fps300 >= 10);
  return out;
}

Options Parse(int argc, char* argv[])
{
  Options options;
  options.JsonPath = "bench-video.json";
  options.Seconds = 4.0;
  options.Stages = "convert,codecs,match,throughput,apps,viewers,links,media";
  ParseBenchOptions(argc, argv, "RenderStreamVideoBench", options);
  return options;
}
} // namespace

int main(int argc, char* argv[])
{
  const Options options = Parse(argc, argv);
  av_log_set_level(AV_LOG_ERROR); // libx264 reports every encoder it closes
  json report = { { "mode", options.Smoke ? "smoke" : "full" } };
  json stages = json::object();
  using Stage = json (*)(const Options&);
  const std::pair<const char*, Stage> all[] = { { "convert", ConvertStage }, { "codecs", CodecsStage },
    { "match", MatchStage }, { "throughput", ThroughputStage }, { "apps", AppsStage },
    { "viewers", ViewersStage }, { "links", LinksStage }, { "media", MediaStage } };
  try
  {
    for (const auto& [name, stage] : all)
    {
      if (options.Wants(name))
      {
        Say(std::string("== video: ") + name);
        stages[name] = stage(options);
        const json& s = stages[name]["summary"];
        Say("  " + s["figure"].get<std::string>() + "  [ratio " + Fmt(s["ratio"].get<double>(), 3) + ", target " +
          s["target"].get<std::string>() + (s["met"].get<bool>() ? ", met]" : ", MISSED]"));
      }
    }
  }
  catch (const std::exception& e)
  {
    std::cerr << "RenderStreamVideoBench: " << e.what() << std::endl;
    report["error"] = e.what();
  }
  report["stages"] = stages;
  std::ofstream(options.JsonPath) << report.dump(2) << "\n";
  Say("wrote " + options.JsonPath);
  return report.contains("error") ? 1 : 0;
}
