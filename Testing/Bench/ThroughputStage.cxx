// throughput: can one H.264 stream keep up with a 60 fps producer? A light producer (frames
// rendered beforehand, written straight into the segment at 60 a second, as the streamer's
// capture would) feeds the real renderstream-server; one H.264 viewer acknowledges every frame
// (as the viewer page does) without decoding, so the bench takes little of the 2 cores.
// Per resolution: delivered/produced, the server's CPU (per second and per video frame), the
// same backend encoding the same pictures, already in YUV, in this process (the bare encoder),
// with one thread and with the server's threads (what slices cost in bytes), and the server's
// own part of the input-to-picture time (/stats latency).
#include "H264Encoder.h"
#include "LinkViewer.h"
#include "RenderedFrames.h"
#include "Rendition.h"
#include "ServerProcess.h"
#include "VideoStages.h"
#include "YuvConverter.h"

#include <sys/resource.h>

#include <cstring>

namespace renderstream::bench
{
namespace
{
namespace rs = renderstream::server;
namespace rt = renderstream::testing;
using Clock = std::chrono::steady_clock;
constexpr int kFps = 60;
constexpr int kQuality = 80; // the default --quality: level 0

double ProcessCpuSeconds()
{
  rusage usage{};
  ::getrusage(RUSAGE_SELF, &usage);
  return usage.ru_utime.tv_sec + usage.ru_stime.tv_sec + (usage.ru_utime.tv_usec + usage.ru_stime.tv_usec) / 1e6;
}

struct BareResult
{
  double WallMs = 0, CpuMs = 0, DeltaBytes = 0; // per frame
};

// The backend alone: the frames' YUV pictures made beforehand, encoded as one stream, twice over.
BareResult Bare(const std::string& backend, const std::vector<Frame>& frames, int threads)
{
  rs::YuvConverter converter;
  std::vector<std::vector<std::uint8_t>> planes;
  rs::YuvView layout;
  for (const Frame& frame : frames)
  {
    layout = rs::EvenCrop(converter.Convert(frame.View(), 1));
    const std::size_t size = std::size_t(layout.Strides[0]) * frame.Height +
      2 * std::size_t(layout.Strides[1]) * ((frame.Height + 1) / 2);
    planes.emplace_back(layout.Planes[0], layout.Planes[0] + size); // one buffer: Y, U, V
  }
  std::string error;
  auto encoder = rs::H264Encoder::Create(backend, layout.Width, layout.Height, rs::H264Encoder::QpFor(backend, kQuality), threads, error);
  if (!encoder)
  {
    throw std::runtime_error(backend + ": " + error);
  }
  BareResult r;
  const int rounds = 2;
  const auto start = Clock::now();
  const double cpu = ProcessCpuSeconds();
  std::int64_t t = 0;
  int deltas = 0;
  for (int round = 0; round < rounds; ++round)
  {
    for (const auto& buffer : planes)
    {
      rs::YuvView picture = layout;
      picture.Planes[0] = buffer.data();
      picture.Planes[1] = buffer.data() + (layout.Planes[1] - layout.Planes[0]);
      picture.Planes[2] = buffer.data() + (layout.Planes[2] - layout.Planes[0]);
      rs::AccessUnit unit;
      encoder->Encode(picture, t += 16, false, unit, error);
      if (!unit.Key)
      {
        r.DeltaBytes += static_cast<double>(unit.Data.size());
        ++deltas;
      }
    }
  }
  const double n = static_cast<double>(rounds * planes.size());
  r.WallMs = std::chrono::duration<double, std::milli>(Clock::now() - start).count() / n;
  r.CpuMs = (ProcessCpuSeconds() - cpu) * 1000 / n;
  r.DeltaBytes /= std::max(deltas, 1);
  return r;
}

// Writes the frames into the segment, in turn, `fps` a second, until stopped.
class Producer
{
public:
  Producer(rt::ServerProcess& server, const std::vector<std::vector<std::uint8_t>>& frames, int w, int h)
    : Thread([this, &server, &frames, w, h] {
      auto next = Clock::now();
      for (std::size_t i = 0; !this->Stop; ++i)
      {
        const auto& pixels = frames[i % frames.size()];
        ipc::FrameInfo info;
        info.CaptureTimeNs = ipc::SteadyNowNs(); // as if rendered now: the copy is the capture
        std::memcpy(server.Segment->WritableSlot(), pixels.data(), pixels.size());
        info.Width = static_cast<std::uint32_t>(w);
        info.Height = static_cast<std::uint32_t>(h);
        info.Format = ipc::PixelFormat::BGRA;
        info.BottomUp = 1;
        server.Segment->Publish(info);
        this->Produced.fetch_add(1);
        next += std::chrono::microseconds(1000000 / kFps);
        std::this_thread::sleep_until(next);
      }
    })
  {
  }
  ~Producer()
  {
    this->Stop = true;
    this->Thread.join();
  }
  std::atomic<int> Produced{ 0 };

private:
  std::atomic<bool> Stop{ false };
  std::thread Thread;
};

json Measure(const std::string& backend, int w, int h, const BenchOptions& options)
{
  Scene scene(w, h);
  const std::vector<Frame> frames = Render(scene, options.Smoke ? 8 : 24, false);
  std::vector<std::vector<std::uint8_t>> bgra;
  for (const Frame& f : frames)
  {
    bgra.push_back(f.Bgra());
  }
  const int threads = rs::H264Encoder::ThreadsFor(rs::YuvConverter::EvenSide(w, 1), rs::YuvConverter::EvenSide(h, 1));
  // Every software backend with one thread and with two (slices): what threads buy and cost.
  json bare = json::object();
  BareResult chosen;
  for (const char* name : { "openh264", "libx264" })
  {
    std::string why;
    if (rs::H264Encoder::Choose(name, why).empty())
    {
      continue;
    }
    for (const int n : { 1, 2 })
    {
      const BareResult r = Bare(name, frames, n);
      bare[name]["threads" + std::to_string(n)] = { { "wallMs", Round(r.WallMs, 2) }, { "cpuMs", Round(r.CpuMs, 2) },
        { "deltaKiB", Round(r.DeltaBytes / 1024, 2) } };
      chosen = name == backend && n == threads ? r : chosen;
    }
  }
  const json& mine = bare[backend];

  rt::ServerProcess server({ "--video-encoder", backend }, static_cast<std::uint32_t>(w), static_cast<std::uint32_t>(h));
  Producer producer(server, bgra, w, h);
  rt::LinkViewer viewer(rt::LinkViewer::Kind::H264WebSocket, server.Port, server.Token, /*decode=*/false);
  Pause(1000); // the key frame crosses, the encoders settle
  const json before = rt::GetStats(server.Port, server.Token);
  const int produced0 = producer.Produced.load();
  const double cpu0 = rt::CpuSeconds(server.Pid);
  const auto start = Clock::now();
  Pause(static_cast<int>((options.Smoke ? 1.5 : options.Seconds) * 1000));
  const auto end = Clock::now();
  const double cpu = rt::CpuSeconds(server.Pid) - cpu0;
  const int produced = producer.Produced.load() - produced0;
  const json after = rt::GetStats(server.Port, server.Token);
  const double wall = std::chrono::duration<double>(end - start).count();
  int delivered = 0;
  for (const rt::Received& f : viewer.Frames())
  {
    delivered += f.Video && f.At >= start && f.At < end;
  }
  const auto delta = [&](const char* group, const char* name) {
    return after[group][name].get<double>() - before[group][name].get<double>();
  };
  const double videoFrames = delta("video", "frames");
  // Newest wins: frames the watcher never took, and frames a stream never encoded.
  const double skipped = delta("frames", "captured") - delta("frames", "acquired") + delta("video", "skipped");
  const double ratio = produced ? delivered / static_cast<double>(produced) : 0;
  const double cpuPerFrameMs = videoFrames > 0 ? cpu * 1000 / videoFrames : 0;
  return { { "backend", backend }, { "threads", threads }, { "produced", produced }, { "delivered", delivered },
    { "deliveredRatio", Round(ratio, 3) }, { "producerFps", Round(produced / wall, 1) },
    { "skippedByServer", skipped }, { "serverCpuPercent", Round(100 * cpu / wall, 1) },
    { "serverCpuMsPerVideoFrame", Round(cpuPerFrameMs, 2) },
    { "bare", bare }, { "bareCpuMs", Round(chosen.CpuMs, 2) },
    { "serverVsBareCpu", Round(chosen.CpuMs > 0 ? cpuPerFrameMs / chosen.CpuMs : 0, 3) },
    { "sliceBytesCost", Round(mine["threads2"]["deltaKiB"].get<double>() / std::max(0.01, mine["threads1"]["deltaKiB"].get<double>()), 3) },
    { "sliceSpeedup", Round(mine["threads1"]["wallMs"].get<double>() / std::max(0.01, mine["threads2"]["wallMs"].get<double>()), 3) },
    { "latency", after.value("latency", json::object()) } };
}
} // namespace

json ThroughputStage(const BenchOptions& options)
{
  std::string why;
  const std::string backend = rs::H264Encoder::Choose("auto", why);
  if (backend.empty())
  {
    throw std::runtime_error("no H.264 encoder: " + why);
  }
  using Size = std::pair<int, int>;
  const std::vector<Size> sizes = options.Smoke ? std::vector<Size>{ { 1280, 720 } }
                                                : std::vector<Size>{ { 640, 480 }, { 1280, 720 }, { 1920, 1080 }, { 3840, 2160 } };
  json out = json::object();
  std::string figure;
  double ratio1080 = 0, cpuRatio1080 = 0;
  for (const auto& [w, h] : sizes)
  {
    const std::string size = std::to_string(w) + "x" + std::to_string(h);
    const json row = Measure(backend, w, h, options);
    out[size] = row;
    if (w == 1920 || options.Smoke)
    {
      ratio1080 = row["deliveredRatio"].get<double>();
      cpuRatio1080 = row["serverVsBareCpu"].get<double>();
    }
    figure += (figure.empty() ? "" : "; ") + size + "@60: " + Fmt(row["deliveredRatio"].get<double>(), 2) +
      " delivered, server " + Fmt(row["serverCpuPercent"].get<double>(), 0) + " % CPU, " +
      Fmt(row["serverCpuMsPerVideoFrame"].get<double>(), 1) + " ms CPU/frame vs bare " + backend + " " +
      Fmt(row["bareCpuMs"].get<double>(), 1) + " ms (" + std::to_string(row["threads"].get<int>()) +
      " threads; 2 slices: " + Fmt(row["sliceSpeedup"].get<double>(), 2) + "x the speed, +" +
      Fmt(100 * (row["sliceBytesCost"].get<double>() - 1), 0) + " % bytes)";
  }
  out["summary"] = Summary(figure, ratio1080,
    std::string(options.Smoke ? "1280x720" : "1920x1080") + "@60 delivered/produced >= 0.95, server CPU/frame <= 1.3x bare encoder",
    ratio1080 >= 0.95 && cpuRatio1080 <= 1.3);
  return out;
}
} // namespace renderstream::bench
