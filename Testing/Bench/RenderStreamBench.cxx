// RenderStreamBench: measures every stage of the streaming pipeline against its limit
// (Testing/Bench/README.md) on a realistic scene (three 40k-triangle spheres), at several resolutions.
// Every target is a ratio of two figures measured within the same run, so that a noisy machine
// shifts both sides. Prints one line per figure and writes everything as JSON.
//
//   RenderStreamBench [--smoke] [--json PATH] [--sizes 640x480,1280x720,...] [--seconds S]
//                     [--stages capture,encode,renderLoop,fanout,latency,idle,appDriven,slowLink]
//
// Needs an X display (Xvfb) like every VTK window here, and renderstream-server beside it.
#include "AppProcess.h" // for HostApp (the app-driven stage)
#include "BenchCommon.h"
#include "HostReport.h" // for what HostApp reports
#include "LinkViewer.h" // for the slow-link stage
#include "ThrottlingProxy.h" // likewise
#include "Layout.h"     // for SteadyNowNs, the clock of the shared timestamps
#include "ServerProcess.h" // for CpuSeconds
#include "TestClient.h" // for the WebSocket/MJPEG/HTTP clients

#include <vtkActor.h>
#include <vtkCamera.h>
#include <vtkCommand.h>
#include <vtkInteractorStyleTrackballCamera.h>
#include <vtkNew.h>
#include <vtkOpenGLFramebufferObject.h>
#include <vtkOpenGLRenderWindow.h>
#include <vtkOpenGLState.h>
#include <vtkPolyDataMapper.h>
#include <vtkProperty.h>
#include <vtkRenderStreamer.h>
#include <vtkRenderWindowInteractor.h>
#include <vtkRenderer.h>
#include <vtkSphereSource.h>
#include <vtkUnsignedCharArray.h>
#include <vtk_glew.h>

#include <nlohmann/json.hpp>
#include <turbojpeg.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <condition_variable>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <dirent.h>
#include <fstream>
#include <iomanip>
#include <iostream>
#include <memory>
#include <mutex>
#include <numeric>
#include <random>
#include <sstream>
#include <string>
#include <thread>
#include <semaphore.h>
#include <sys/mman.h>
#include <unistd.h>
#include <vector>

namespace rt = renderstream::testing;
using namespace renderstream::bench;
using Clock = std::chrono::steady_clock;

namespace
{
constexpr int kQuality = 80;      // the streamer's default interactive quality
constexpr int kStillQuality = 92; // the streamer's default still quality
constexpr int kTickMs = 16;       // the streamer's default tick interval
// Mirrors Module/server/JpegEncoder.cxx: 4:2:0 and TJFLAG_FASTDCT below quality 90, 4:4:4 and
// the accurate DCT from 90, bottom-up BGRA. (Here TJFLAG_FASTDCT changes neither time, size nor
// PSNR: see the encode variants.)
constexpr bool kServerFastDct = true;

struct Options : BenchOptions
{
  std::vector<std::pair<int, int>> Sizes{ { 640, 480 }, { 1280, 720 }, { 1920, 1080 } };
};

// The clock of the segment's timestamps (FrameInfo::CaptureTimeNs, InputEvent::TimeNs).
using renderstream::ipc::SteadyNowNs;

double MsSince(Clock::time_point start)
{
  return std::chrono::duration<double, std::milli>(Clock::now() - start).count();
}

std::uint64_t Fnv(const std::string& bytes)
{
  std::uint64_t h = 0xcbf29ce484222325ULL;
  for (unsigned char c : bytes)
  {
    h = (h ^ c) * 0x100000001b3ULL;
  }
  return h;
}

// A bare glReadPixels GL_BGRA of the window's display framebuffer, bound the way VTK binds it.
double BareReadPixels(vtkRenderWindow* window, int width, int height, unsigned char* destination)
{
  auto* gl = vtkOpenGLRenderWindow::SafeDownCast(window);
  const auto start = Clock::now();
  gl->MakeCurrent();
  vtkOpenGLState* state = gl->GetState();
  state->PushReadFramebufferBinding();
  gl->GetDisplayFramebuffer()->Bind(GL_READ_FRAMEBUFFER);
  gl->GetDisplayFramebuffer()->ActivateReadBuffer(0);
  state->vtkglPixelStorei(GL_PACK_ALIGNMENT, 1);
  glReadPixels(0, 0, width, height, GL_BGRA, GL_UNSIGNED_BYTE, destination);
  state->PopReadFramebufferBinding();
  return MsSince(start);
}

std::string RendererName(vtkRenderWindow* window)
{
  auto* gl = vtkOpenGLRenderWindow::SafeDownCast(window);
  if (!gl)
  {
    return "?";
  }
  gl->MakeCurrent();
  const auto* name = reinterpret_cast<const char*>(glGetString(GL_RENDERER));
  return name ? name : "?";
}

// ---------------------------------------------------------------------------------------------
// A running streamer on the scene's window, with what the bench needs to reach its server.
struct Stream
{
  Stream(Scene& scene, int stillQuality)
  {
    const int* size = scene.Window->GetSize();
    this->Streamer->SetRenderWindow(scene.Window);
    this->Streamer->SetUseEventLoop(false); // the bench ticks
    this->Streamer->SetServerExecutable(RENDERSTREAM_BIN_DIR "/renderstream-server");
    this->Streamer->SetMaxWidth(size[0]);
    this->Streamer->SetMaxHeight(size[1]);
    this->Streamer->SetQuality(kQuality);
    this->Streamer->SetStillQuality(stillQuality);
    this->Streamer->SetMaxClients(256);
    if (!this->Streamer->Start())
    {
      throw std::runtime_error(std::string("cannot start streaming: ") + this->Streamer->GetLastError());
    }
    const std::string url = this->Streamer->GetURL();
    this->Token = url.substr(url.find("token=") + 6);
    this->Port = static_cast<std::uint16_t>(this->Streamer->GetActualPort());
    this->ServerPid = FindServerPid();
  }
  ~Stream() { this->Streamer->Stop(); }

  json Stats() const
  {
    const auto reply = rt::HttpGet(this->Port, "/stats?token=" + this->Token);
    return reply.Status == 200 ? json::parse(reply.Body) : json::object();
  }

  /// utime + stime of the server process, in seconds.
  double ServerCpuSeconds() const { return renderstream::testing::CpuSeconds(this->ServerPid); }

  vtkNew<vtkRenderStreamer> Streamer;
  std::string Token;
  std::uint16_t Port = 0;
  pid_t ServerPid = -1;

private:
  // Our child named renderstream-server (comm is cut to 15 characters).
  static pid_t FindServerPid()
  {
    const pid_t self = getpid();
    pid_t found = -1;
    DIR* proc = opendir("/proc");
    while (dirent* entry = proc ? readdir(proc) : nullptr)
    {
      const pid_t pid = static_cast<pid_t>(std::atoi(entry->d_name));
      if (pid <= 0)
      {
        continue;
      }
      std::ifstream in("/proc/" + std::to_string(pid) + "/stat");
      if (!in)
      {
        continue;
      }
      std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
      const auto open = text.find('(');
      const auto close = text.rfind(')');
      if (open == std::string::npos || close == std::string::npos)
      {
        continue;
      }
      const std::string comm = text.substr(open + 1, close - open - 1);
      std::istringstream rest(text.substr(close + 2));
      std::string state;
      pid_t ppid = 0;
      rest >> state >> ppid;
      if (ppid == self && comm.rfind("renderstream", 0) == 0)
      {
        found = pid;
        break;
      }
    }
    if (proc)
    {
      closedir(proc);
    }
    return found;
  }
};

// ---------------------------------------------------------------------------------------------
// One browser stand-in on its own thread: reads every frame, counts frames, distinct frames
// and bytes, and lets another thread wait for the first frame that arrives after an instant.
class Viewer
{
public:
  enum class Kind
  {
    WebSocket,
    Mjpeg
  };

  Viewer(Kind kind, const Stream& stream)
    : What(kind)
  {
    if (kind == Kind::WebSocket)
    {
      this->Ws = std::make_unique<rt::WsClient>(stream.Port, "/ws?token=" + stream.Token);
      this->Fd = this->Ws->NativeHandle();
      if (!this->Ws->Open())
      {
        throw std::runtime_error("WebSocket viewer refused");
      }
    }
    else
    {
      this->Mjpeg = std::make_unique<rt::MjpegClient>(stream.Port, "/stream.mjpeg?token=" + stream.Token);
      this->Fd = this->Mjpeg->NativeHandle();
      if (this->Mjpeg->Status != 200)
      {
        throw std::runtime_error("MJPEG viewer refused");
      }
    }
    this->Thread = std::thread([this] { this->Run(); });
  }
  ~Viewer() { this->Stop(); }

  void Stop()
  {
    if (this->Thread.joinable())
    {
      this->Stopping = true;
      ::shutdown(this->Fd, SHUT_RDWR);
      this->Thread.join();
    }
  }

  /// Arrival time (steady ns) of the first frame received after `afterNs`, or -1 on timeout.
  std::int64_t WaitFrameAfter(std::int64_t afterNs, std::chrono::milliseconds timeout)
  {
    std::unique_lock<std::mutex> lock(this->Mutex);
    const bool ok = this->Arrived.wait_for(lock, timeout, [&] { return this->LastArrivalNs > afterNs; });
    return ok ? this->LastArrivalNs : -1;
  }

  std::atomic<std::uint64_t> Frames{ 0 };
  std::atomic<std::uint64_t> Distinct{ 0 };
  std::atomic<std::uint64_t> Bytes{ 0 };

private:
  void Run()
  {
    std::string data;
    std::uint64_t lastHash = 0;
    while (!this->Stopping)
    {
      bool text = false;
      const bool ok = this->What == Kind::WebSocket ? this->Ws->Read(data, text) : this->Mjpeg->NextPart(data);
      if (!ok)
      {
        break;
      }
      if (text)
      {
        continue; // status messages are not frames
      }
      const std::int64_t now = SteadyNowNs();
      const std::uint64_t hash = Fnv(data);
      this->Frames.fetch_add(1);
      if (hash != lastHash)
      {
        this->Distinct.fetch_add(1);
        lastHash = hash;
      }
      this->Bytes.fetch_add(data.size());
      {
        std::lock_guard<std::mutex> lock(this->Mutex);
        this->LastArrivalNs = now;
      }
      this->Arrived.notify_all();
    }
  }

  Kind What;
  std::unique_ptr<rt::WsClient> Ws;
  std::unique_ptr<rt::MjpegClient> Mjpeg;
  int Fd = -1;
  std::atomic<bool> Stopping{ false };
  std::thread Thread;
  std::mutex Mutex;
  std::condition_variable Arrived;
  std::int64_t LastArrivalNs = 0;
};

// Runs `step` until `seconds` elapsed (at least `minimum` times); returns the elapsed seconds.
template <typename Step>
double RunFor(double seconds, int minimum, Step step, int* count = nullptr)
{
  const auto start = Clock::now();
  int n = 0;
  while (n < minimum || std::chrono::duration<double>(Clock::now() - start).count() < seconds)
  {
    step();
    ++n;
  }
  if (count)
  {
    *count = n;
  }
  return std::chrono::duration<double>(Clock::now() - start).count();
}

// ---------------------------------------------------------------------------------------------
// Stages. Each returns its JSON with a "summary" (figure, ratio, target, met).

// What the streamer's publish costs the render thread at least: a sem_post that wakes a
// sleeping waiter (one futex syscall and an inter-processor interrupt; in a VM it is not free).
double SemaphoreWakeMs(int samples)
{
  sem_t semaphore;
  sem_init(&semaphore, 0, 0);
  std::atomic<bool> stop{ false };
  std::thread waiter([&] {
    while (!stop)
    {
      sem_wait(&semaphore);
    }
  });
  std::vector<double> ms;
  for (int i = 0; i < samples; ++i)
  {
    Pause(1); // the waiter is asleep again
    const auto start = Clock::now();
    sem_post(&semaphore);
    ms.push_back(MsSince(start));
  }
  stop = true;
  sem_post(&semaphore);
  waiter.join();
  sem_destroy(&semaphore);
  return Percentile(ms, 50);
}

json CaptureStage(Scene& scene, const Options& options, std::vector<unsigned char>& frame)
{
  const int* size = scene.Window->GetSize();
  const int w = size[0], h = size[1];
  Stream stream(scene, kQuality);
  frame.assign(std::size_t(w) * h * 4, 0); // touched once: no page faults inside the timing
  vtkNew<vtkUnsignedCharArray> vtkPixels;
  vtkPixels->SetNumberOfComponents(4);
  vtkPixels->SetNumberOfTuples(vtkIdType(w) * h);
  // The same bare read into shared memory (MAP_SHARED tmpfs pages, as the streamer's slots):
  // tells the cost of the destination from the cost of the streamer's code.
  const std::size_t frameBytes = std::size_t(w) * h * 4;
  const int memfd = memfd_create("renderstream-bench", 0);
  if (memfd < 0 || ftruncate(memfd, static_cast<off_t>(frameBytes)) != 0)
  {
    throw std::runtime_error("memfd_create failed");
  }
  auto* shared = static_cast<unsigned char*>(mmap(nullptr, frameBytes, PROT_READ | PROT_WRITE, MAP_SHARED, memfd, 0));
  close(memfd);
  if (shared == MAP_FAILED)
  {
    throw std::runtime_error("mmap failed");
  }
  std::memset(shared, 0, frameBytes);
  // And into three buffers in turn, the footprint of the streamer's triple buffer: a re-read
  // of one small buffer stays in the CPU cache, three slots of a large frame do not.
  std::vector<unsigned char> rotating[3];
  for (auto& r : rotating)
  {
    r.assign(frameBytes, 0);
  }
  int turn = 0;
  std::vector<double> tick, capture, bare, bareShared, bareRotating, vtkRead;
  // Warm every shared-memory slot and the code paths once.
  for (int i = 0; i < 4; ++i)
  {
    scene.Advance();
    stream.Streamer->Tick();
  }
  // One fresh render per round, then alternating streamer/bare reads of that finished frame
  // (llvmpipe completes Render() synchronously, so a re-read costs what a first read does).
  // The streamer captures in the window's EndEvent, so an EndEvent is what is timed: all the
  // render thread pays for a frame, observer call included.
  const auto timedTick = [&] {
    const auto start = Clock::now();
    scene.Window->InvokeEvent(vtkCommand::EndEvent);
    tick.push_back(MsSince(start));
    capture.push_back(stream.Streamer->GetLastCaptureMilliseconds());
  };
  RunFor(options.Seconds, 3, [&] {
    scene.Advance();
    for (int i = 0; i < 10; ++i)
    {
      if (i % 2)
      {
        timedTick();
        bare.push_back(BareReadPixels(scene.Window, w, h, frame.data()));
        bareShared.push_back(BareReadPixels(scene.Window, w, h, shared));
        bareRotating.push_back(BareReadPixels(scene.Window, w, h, rotating[turn++ % 3].data()));
      }
      else
      {
        bareRotating.push_back(BareReadPixels(scene.Window, w, h, rotating[turn++ % 3].data()));
        bareShared.push_back(BareReadPixels(scene.Window, w, h, shared));
        bare.push_back(BareReadPixels(scene.Window, w, h, frame.data()));
        timedTick();
      }
    }
    const auto vtkStart = Clock::now();
    scene.Window->GetRGBACharPixelData(0, 0, w - 1, h - 1, 0, vtkPixels);
    vtkRead.push_back(MsSince(vtkStart));
  });
  const auto before = stream.Streamer->GetFramesCaptured(); // ticks without renders read nothing
  for (int i = 0; i < 100; ++i)
  {
    stream.Streamer->Tick();
  }
  const auto staticReadbacks = stream.Streamer->GetFramesCaptured() - before;

  munmap(shared, frameBytes);
  const double ratio = Percentile(tick, 50) / Percentile(bare, 50);
  json out = { { "samples", tick.size() }, { "tickMsMedian", Round(Percentile(tick, 50)) },
    { "tickMsP95", Round(Percentile(tick, 95)) }, { "captureMsMedian", Round(Percentile(capture, 50)) },
    { "bareReadPixelsBgraMsMedian", Round(Percentile(bare, 50)) },
    { "bareReadPixelsBgraMsP95", Round(Percentile(bare, 95)) },
    { "bareReadPixelsIntoSharedMemoryMsMedian", Round(Percentile(bareShared, 50)) },
    { "bareReadPixelsThreeBuffersMsMedian", Round(Percentile(bareRotating, 50)) },
    { "vtkGetRGBACharPixelDataMsMedian", Round(Percentile(vtkRead, 50)) },
    { "semaphoreWakeMsMedian", Round(SemaphoreWakeMs(options.Smoke ? 20 : 100), 4) },
    { "tickMsP10", Round(Percentile(tick, 10)) }, { "bareReadPixelsBgraMsP10", Round(Percentile(bare, 10)) },
    { "ratioP10", Round(Percentile(tick, 10) / Percentile(bare, 10)) },
    { "staticTicks", 100 }, { "staticReadbacks", staticReadbacks } };
  out["summary"] = Summary("capture at render end " + Fmt(Percentile(tick, 50), 3) + " ms vs bare glReadPixels " +
      Fmt(Percentile(bare, 50), 3) + " ms (VTK GetRGBACharPixelData " + Fmt(Percentile(vtkRead, 50)) +
      " ms); static: " + std::to_string(staticReadbacks) + " readbacks/100 ticks",
    ratio, "<= 1.10, 0 static readbacks", ratio <= 1.10 && staticReadbacks == 0);
  return out;
}

struct JpegResult
{
  double Ms = 0;
  std::size_t Bytes = 0;
};

// TurboJPEG called directly with the given settings on a bottom-up BGRA frame; one handle and
// one output buffer reused, as the server's JpegEncoder does.
class DirectEncoder
{
public:
  DirectEncoder(int w, int h)
    : Handle(tjInitCompress())
    , Capacity(tjBufSize(w, h, TJSAMP_444))
    , Buffer(tjAlloc(static_cast<int>(this->Capacity)))
  {
  }
  ~DirectEncoder()
  {
    tjFree(this->Buffer);
    tjDestroy(this->Handle);
  }
  DirectEncoder(const DirectEncoder&) = delete;
  DirectEncoder& operator=(const DirectEncoder&) = delete;

  /// Median of `repeats` timed encodes (after one warm-up), or one cold encode if repeats == 0.
  JpegResult Encode(const std::vector<unsigned char>& frame, int w, int h, int quality,
    int subsampling, bool fastDct, int repeats)
  {
    const int flags = TJFLAG_NOREALLOC | TJFLAG_BOTTOMUP | (fastDct ? TJFLAG_FASTDCT : 0);
    std::vector<double> ms;
    JpegResult result;
    for (int i = 0; i < repeats + 1; ++i)
    {
      unsigned long size = this->Capacity;
      const auto start = Clock::now();
      if (tjCompress2(this->Handle, frame.data(), w, w * 4, h, TJPF_BGRA, &this->Buffer, &size,
            subsampling, quality, flags) != 0)
      {
        throw std::runtime_error(std::string("TurboJPEG: ") + tjGetErrorStr2(this->Handle));
      }
      if (i > 0 || repeats == 0)
      {
        ms.push_back(MsSince(start));
      }
      result.Bytes = size;
    }
    result.Ms = Percentile(ms, 50);
    return result;
  }

  /// PSNR (dB, over B, G and R) of the last encode against `frame`.
  double Psnr(const std::vector<unsigned char>& frame, int w, int h, std::size_t jpegBytes)
  {
    std::vector<unsigned char> decoded(frame.size());
    tjhandle decoder = tjInitDecompress();
    const int failed = tjDecompress2(decoder, this->Buffer, jpegBytes, decoded.data(), w, w * 4, h,
      TJPF_BGRA, TJFLAG_BOTTOMUP);
    tjDestroy(decoder);
    if (failed)
    {
      return 0.0;
    }
    double squares = 0;
    for (std::size_t i = 0; i < frame.size(); ++i)
    {
      if (i % 4 != 3)
      {
        const double d = double(frame[i]) - double(decoded[i]);
        squares += d * d;
      }
    }
    const double mse = squares / (double(w) * h * 3);
    return mse > 0 ? 10.0 * std::log10(255.0 * 255.0 / mse) : 99.0;
  }

private:
  tjhandle Handle;
  unsigned long Capacity;
  unsigned char* Buffer;
};

json EncodeStage(Scene& scene, const Options& options, std::vector<unsigned char>& frame)
{
  const int* size = scene.Window->GetSize();
  const int w = size[0], h = size[1];
  // Still quality = interactive quality: every encode in the window of /stats is a q80 one.
  Stream stream(scene, kQuality);
  Viewer viewer(Viewer::Kind::WebSocket, stream);
  DirectEncoder direct(w, h);
  // Paced: one frame at a time, the next render only after the viewer got the previous frame,
  // so the server encodes on an otherwise idle core, as TurboJPEG does below.
  // After the server sent each frame, the same frame (still in the framebuffer) is read back
  // and encoded once by TurboJPEG directly: same pixels, same settings, a similar cache state.
  int frames = 0;
  std::vector<double> sameFrame;
  JpegResult once;
  RunFor(options.Seconds, 10, [&] {
    scene.Advance();
    const std::int64_t t = SteadyNowNs();
    stream.Streamer->Tick();
    viewer.WaitFrameAfter(t, std::chrono::seconds(2));
    BareReadPixels(scene.Window, w, h, frame.data());
    once = direct.Encode(frame, w, h, kQuality, TJSAMP_420, kServerFastDct, 0);
    sameFrame.push_back(once.Ms);
  }, &frames);
  const json stats = stream.Stats();
  viewer.Stop();
  const double serverMs = stats["encodeMs"]["mean"].get<double>();
  const double serverP95 = stats["encodeMs"]["p95"].get<double>();
  const double serverKiB = stats["meanJpegBytes"].get<double>() / 1024.0;

  // Hot loop on the last frame: TurboJPEG's best case, and the settings compared.
  const int repeats = options.Smoke ? 10 : 40;
  const JpegResult hot = direct.Encode(frame, w, h, kQuality, TJSAMP_420, kServerFastDct, repeats);
  const double directMs = Mean(sameFrame);
  const JpegResult still = direct.Encode(frame, w, h, kStillQuality, TJSAMP_444, false, repeats);
  json variants = json::array();
  const struct
  {
    int Quality, Subsampling;
    bool Fast;
    const char* Name;
  } kVariants[] = { { kQuality, TJSAMP_420, true, "q80 4:2:0 fast DCT (server, interactive)" },
    { kQuality, TJSAMP_420, false, "q80 4:2:0 accurate DCT" },
    { kQuality, TJSAMP_444, true, "q80 4:4:4 fast DCT" },
    { kStillQuality, TJSAMP_444, false, "q92 4:4:4 accurate DCT (server, still)" },
    { kStillQuality, TJSAMP_444, true, "q92 4:4:4 fast DCT" },
    { kStillQuality, TJSAMP_420, false, "q92 4:2:0 accurate DCT" } };
  // Interleaved rounds (one encode of each variant per round), so drift hits all alike.
  std::vector<std::vector<double>> variantMs(std::size(kVariants));
  std::vector<std::size_t> variantBytes(std::size(kVariants));
  for (int round = 0; round < repeats; ++round)
  {
    for (std::size_t i = 0; i < std::size(kVariants); ++i)
    {
      const auto& v = kVariants[i];
      const JpegResult r = direct.Encode(frame, w, h, v.Quality, v.Subsampling, v.Fast, 0);
      variantMs[i].push_back(r.Ms);
      variantBytes[i] = r.Bytes;
    }
  }
  for (std::size_t i = 0; i < std::size(kVariants); ++i)
  {
    const auto& v = kVariants[i];
    direct.Encode(frame, w, h, v.Quality, v.Subsampling, v.Fast, 0);
    const double psnr = direct.Psnr(frame, w, h, variantBytes[i]);
    const double ms = Percentile(variantMs[i], 50);
    variants.push_back({ { "settings", kVariants[i].Name }, { "msMedian", Round(ms) }, { "psnrDb", Round(psnr, 2) },
      { "KiB", Round(variantBytes[i] / 1024.0, 1) }, { "megapixelsPerSecond", Round(w * h / 1e3 / ms, 1) } });
  }
  const double ratio = directMs / serverMs; // throughput ratio: server / direct
  json out = { { "framesEncoded", stats["frames"]["encoded"] }, { "framesPaced", frames },
    { "serverEncodeMsMean", Round(serverMs) }, { "serverEncodeMsP95", Round(serverP95) },
    { "directEncodeMsMean", Round(directMs) }, { "directEncodeMsP95", Round(Percentile(sameFrame, 95)) },
    { "directHotLoopMsMedian", Round(hot.Ms) },
    { "directMegapixelsPerSecond", Round(w * h / 1e3 / directMs, 1) },
    { "interactiveKiB", Round(serverKiB, 1) }, { "interactiveDirectKiB", Round(once.Bytes / 1024.0, 1) },
    { "stillKiB", Round(still.Bytes / 1024.0, 1) }, { "stillEncodeMs", Round(still.Ms) },
    { "settings", "interactive q80 4:2:0 TJFLAG_FASTDCT, still q92 4:4:4 accurate DCT; BGRA, TJFLAG_BOTTOMUP" },
    { "variants", variants } };
  out["summary"] = Summary("server " + Fmt(serverMs) + " ms/frame vs TurboJPEG direct " + Fmt(directMs) +
      " ms; " + Fmt(serverKiB, 1) + " KiB at q80, " + Fmt(still.Bytes / 1024.0, 1) + " KiB at q92",
    ratio, ">= 0.90", ratio >= 0.90);
  return out;
}

// Render fps without streaming, with streaming and two viewers (one WebSocket, one MJPEG), and
// the distinct frames each viewer got. Alternating rounds (without, with) cancel the drift of a
// shared machine; each streaming round starts its own server and viewers.
json LoopAndDeliveryStages(Scene& scene, const Options& options, json& delivery)
{
  const int rounds = options.Smoke ? 1 : 3;
  int withoutFrames = 0, n = 0;
  double withoutSeconds = 0, seconds = 0, encodeMs = 0, dropped = 0;
  std::uint64_t wsFrames = 0, mjpegFrames = 0, captured = 0;
  json perRound = json::array();
  std::vector<double> roundRatios;
  for (int round = 0; round < rounds; ++round)
  {
    int frames = 0;
    const double without = RunFor(options.Seconds / 2, 5, [&] { scene.Advance(); }, &frames);
    withoutSeconds += without;
    withoutFrames += frames;
    const double roundWithoutFps = frames / without;
    Stream stream(scene, kQuality);
    Viewer ws(Viewer::Kind::WebSocket, stream);
    Viewer mjpeg(Viewer::Kind::Mjpeg, stream);
    Pause(200);
    const std::uint64_t ws0 = ws.Distinct, mjpeg0 = mjpeg.Distinct;
    const auto captured0 = stream.Streamer->GetFramesCaptured();
    const double with = RunFor(options.Seconds / 2, 5, [&] {
      scene.Advance();
      stream.Streamer->Tick();
    }, &frames);
    seconds += with;
    n += frames;
    perRound.push_back({ { "fpsWithout", Round(roundWithoutFps, 2) }, { "fpsWith", Round(frames / with, 2) } });
    roundRatios.push_back(frames / with / roundWithoutFps);
    Pause(150); // the last frame's encode and send
    wsFrames += ws.Distinct - ws0;
    mjpegFrames += mjpeg.Distinct - mjpeg0;
    captured += stream.Streamer->GetFramesCaptured() - captured0;
    const json stats = stream.Stats();
    encodeMs += stats["encodeMs"]["mean"].get<double>() / rounds;
    dropped += stats["frames"]["dropped"].get<double>();
  }
  const double fpsWithout = withoutFrames / withoutSeconds;
  const double fpsWith = n / seconds;
  // The median of the per-round ratios: one round disturbed by a neighbour's job moves it less
  // than it moves the pooled rates.
  const double ratio = Percentile(roundRatios, 50);
  json loop = { { "fpsWithoutStreaming", Round(fpsWithout, 2) }, { "fpsWithStreaming", Round(fpsWith, 2) },
    { "viewers", "1 WebSocket + 1 MJPEG" }, { "rounds", perRound },
    { "renderMsWithout", Round(1000.0 / fpsWithout, 1) }, { "serverEncodeMsMeanUnderLoad", Round(encodeMs) } };
  loop["pooledRatio"] = Round(fpsWith / fpsWithout);
  loop["summary"] = Summary(Fmt(fpsWith, 1) + " fps streaming vs " + Fmt(fpsWithout, 1) +
      " fps without (ratio: median of " + std::to_string(rounds) + " paired rounds)",
    ratio, ">= 0.90 (stretch: 0.95)", ratio >= 0.90);

  const double rendered = static_cast<double>(n);
  const double wsRatio = wsFrames / rendered, mjpegRatio = mjpegFrames / rendered;
  delivery = { { "framesRendered", n }, { "framesCaptured", captured },
    { "renderedFps", Round(n / seconds, 2) }, { "webSocketFps", Round(wsFrames / seconds, 2) },
    { "mjpegFps", Round(mjpegFrames / seconds, 2) }, { "webSocketRatio", Round(wsRatio) },
    { "mjpegRatio", Round(mjpegRatio) }, { "serverDropped", dropped } };
  const double worst = std::min(wsRatio, mjpegRatio);
  delivery["summary"] = Summary("WS " + Fmt(wsFrames / seconds, 1) + " fps, MJPEG " + Fmt(mjpegFrames / seconds, 1) +
      " fps of " + Fmt(n / seconds, 1) + " rendered",
    worst, ">= 0.95", worst >= 0.95);
  return loop;
}

json FanoutStage(Scene& scene, const Options& options)
{
  Stream stream(scene, kQuality);
  json points = json::array();
  double worstEncodes = 0, worstRatio = 1e9;
  std::string figure;
  for (int count : { 1, 10, 50, 100 })
  {
    std::vector<std::unique_ptr<Viewer>> viewers;
    for (int i = 0; i < count; ++i)
    {
      viewers.push_back(std::make_unique<Viewer>(i % 2 ? Viewer::Kind::Mjpeg : Viewer::Kind::WebSocket, stream));
    }
    Pause(300);
    std::vector<std::uint64_t> start;
    for (auto& v : viewers)
    {
      start.push_back(v->Distinct);
    }
    const json before = stream.Stats();
    const double cpu0 = stream.ServerCpuSeconds();
    int n = 0;
    const double seconds = RunFor(options.Smoke ? 1.0 : options.Seconds, 5, [&] {
      scene.Advance();
      stream.Streamer->Tick();
    }, &n);
    const double cpu = stream.ServerCpuSeconds() - cpu0;
    Pause(150);
    const json after = stream.Stats();
    std::vector<double> fps;
    for (std::size_t i = 0; i < viewers.size(); ++i)
    {
      fps.push_back((viewers[i]->Distinct - start[i]) / seconds);
    }
    viewers.clear();
    const double encoded = after["frames"]["encoded"].get<double>() - before["frames"]["encoded"].get<double>();
    const double captured = after["frames"]["captured"].get<double>() - before["frames"]["captured"].get<double>();
    const double encodesPerFrame = captured > 0 ? encoded / captured : 0.0;
    const double rendered = n / seconds;
    const double meanFps = Mean(fps), minFps = Percentile(fps, 0);
    points.push_back({ { "viewers", count }, { "renderedFps", Round(rendered, 2) },
      { "encodesPerFrame", Round(encodesPerFrame) }, { "deliveredFpsMean", Round(meanFps, 2) },
      { "deliveredFpsMin", Round(minFps, 2) }, { "deliveredRatio", Round(meanFps / rendered) },
      { "serverCpuPercent", Round(100.0 * cpu / seconds, 1) } });
    worstEncodes = std::max(worstEncodes, encodesPerFrame);
    worstRatio = std::min(worstRatio, meanFps / rendered);
    figure += (figure.empty() ? "" : ", ") + std::to_string(count) + ": " + Fmt(encodesPerFrame) + " enc/frame " +
      Fmt(meanFps, 1) + "/" + Fmt(rendered, 1) + " fps";
    Say("    fan-out " + std::to_string(count) + " viewers: " + points.back().dump());
  }
  json out = { { "points", points }, { "viewerMix", "alternating WebSocket and MJPEG" } };
  out["summary"] = Summary(figure, worstEncodes, "encodes/frame <= 1.00 at every count", worstEncodes <= 1.0);
  return out;
}

// Input → first frame showing it, through the real path: a WebSocket client sends a wheel event
// at a random phase of the tick; the render loop ticks every kTickMs (the streamer's default),
// rendering only when input asks for it (the interactor style renders on wheel), as an
// interactive application does. A second WebSocket client is the viewer that sees the frame.
// Stills are off here (still quality = interactive quality): a still is a re-encode of a frame
// already shown, and on a slow render it would be taken for the frame showing the event.
json LatencyStage(Scene& scene, const Options& options)
{
  Stream stream(scene, kQuality);
  Viewer viewer(Viewer::Kind::WebSocket, stream);
  rt::WsClient sender(stream.Port, "/ws?token=" + stream.Token);
  if (!sender.Open())
  {
    throw std::runtime_error("WebSocket input client refused");
  }
  // Let the first frame and its still go by.
  for (int i = 0; i < 40; ++i)
  {
    stream.Streamer->Tick();
    Pause(kTickMs);
  }
  struct TickRecord
  {
    std::int64_t StartNs;
    double Ms;
    bool Captured;
  };
  std::vector<TickRecord> ticks;
  std::vector<std::pair<std::int64_t, std::int64_t>> samples; // sent, first frame after
  std::atomic<bool> done{ false };
  const int wanted = options.Smoke ? 8 : 60;
  const double maxSeconds = options.Smoke ? 2.0 : 4.0 * options.Seconds;
  std::thread user([&] {
    std::mt19937 random(8);
    std::uniform_int_distribution<int> gapUs(5000, 5000 + 2 * kTickMs * 1000);
    for (int i = 0; i < wanted && !done; ++i)
    {
      std::this_thread::sleep_for(std::chrono::microseconds(gapUs(random)));
      const std::string event = std::string(R"({"type":"wheel","x":0.5,"y":0.5,"dy":)") +
        (i % 2 ? "1.0" : "-1.0") + R"(,"ctrl":false,"shift":false})";
      const std::int64_t sent = SteadyNowNs();
      if (!sender.SendText(event))
      {
        break;
      }
      const std::int64_t arrived = viewer.WaitFrameAfter(sent, std::chrono::seconds(2));
      if (arrived > 0)
      {
        samples.emplace_back(sent, arrived);
      }
    }
    done = true;
  });
  const auto start = Clock::now();
  auto next = Clock::now();
  while (!done && std::chrono::duration<double>(Clock::now() - start).count() < maxSeconds)
  {
    const auto before = stream.Streamer->GetFramesCaptured();
    const std::int64_t tickStart = SteadyNowNs();
    const auto t = Clock::now();
    stream.Streamer->Tick(); // injects the wheel → the style renders → the frame is captured
    ticks.push_back({ tickStart, MsSince(t), stream.Streamer->GetFramesCaptured() != before });
    next = std::max(next + std::chrono::milliseconds(kTickMs), Clock::now()); // no catch-up bursts
    std::this_thread::sleep_until(next);
  }
  done = true;
  user.join();
  const json stats = stream.Stats();
  const double encodeMs = stats["encodeMs"]["mean"].get<double>();

  std::vector<double> latency, excess, work, waitForTick, rest;
  for (const auto& [sent, arrived] : samples)
  {
    // The tick that rendered and captured this event's frame: the first capturing one after it.
    const auto it = std::find_if(ticks.begin(), ticks.end(),
      [&](const TickRecord& r) { return r.StartNs >= sent && r.Captured; });
    if (it == ticks.end())
    {
      continue;
    }
    const double ms = (arrived - sent) / 1e6;
    latency.push_back(ms);
    work.push_back(it->Ms + encodeMs); // render + readback (the tick) + encode
    excess.push_back(ms - it->Ms - encodeMs);
    waitForTick.push_back((it->StartNs - sent) / 1e6);
    rest.push_back(ms - (it->StartNs - sent) / 1e6 - it->Ms - encodeMs); // wake, hash, send, read
  }
  const double excessP50 = Percentile(excess, 50);
  json out = { { "samples", latency.size() }, { "tickIntervalMs", kTickMs },
    { "event", "WebSocket wheel → trackball dolly → Render in Tick" },
    { "latencyMsP50", Round(Percentile(latency, 50)) }, { "latencyMsP95", Round(Percentile(latency, 95)) },
    { "renderReadbackEncodeMsP50", Round(Percentile(work, 50)) }, { "encodeMsMean", Round(encodeMs) },
    { "excessMsP50", Round(excessP50) }, { "excessMsP95", Round(Percentile(excess, 95)) },
    { "waitForTickMsP50", Round(Percentile(waitForTick, 50)) },
    { "serverWakeHashSendReceiveMsP50", Round(Percentile(rest, 50)) },
    { "serverWakeHashSendReceiveMsP95", Round(Percentile(rest, 95)) },
    { "note", "the interactor style renders twice per wheel event (Dolly, then EndDolly), both inside the tick" } };
  out["summary"] = Summary("p50 " + Fmt(Percentile(latency, 50), 1) + " ms, p95 " +
      Fmt(Percentile(latency, 95), 1) + " ms; minus render+readback+encode: p50 " + Fmt(excessP50, 1) +
      " ms, p95 " + Fmt(Percentile(excess, 95), 1) + " ms (tick " + std::to_string(kTickMs) + " ms)",
    excessP50 / kTickMs, "p50 excess < 1 tick", !latency.empty() && excessP50 < kTickMs);
  return out;
}

// Idle: nothing renders, the application keeps ticking, one viewer stays connected; default
// settings (the still frame after the last render goes by first).
json IdleStage(Scene& scene, const Options& options)
{
  Stream stream(scene, kStillQuality);
  Viewer viewer(Viewer::Kind::WebSocket, stream);
  for (int i = 0; i < 40; ++i)
  {
    stream.Streamer->Tick();
    Pause(kTickMs);
  }
  const auto captured0 = stream.Streamer->GetFramesCaptured();
  const std::uint64_t bytes0 = viewer.Bytes;
  const double sent0 = stream.Stats()["bytesSent"].get<double>();
  const double cpu0 = stream.ServerCpuSeconds();
  const auto idleStart = Clock::now();
  auto idleNext = idleStart;
  const double idleSeconds = options.Smoke ? 1.5 : options.Seconds;
  while (std::chrono::duration<double>(Clock::now() - idleStart).count() < idleSeconds)
  {
    stream.Streamer->Tick();
    idleNext += std::chrono::milliseconds(kTickMs);
    std::this_thread::sleep_until(idleNext);
  }
  const double elapsed = std::chrono::duration<double>(Clock::now() - idleStart).count();
  const double cpuPercent = 100.0 * (stream.ServerCpuSeconds() - cpu0) / elapsed;
  const double received = (viewer.Bytes - bytes0) / elapsed;
  const double sentPerSecond = (stream.Stats()["bytesSent"].get<double>() - sent0) / elapsed;
  const auto readbacks = stream.Streamer->GetFramesCaptured() - captured0;
  viewer.Stop();
  json idle = { { "seconds", Round(elapsed, 2) }, { "serverCpuPercent", Round(cpuPercent, 2) },
    { "bytesPerSecondReceived", Round(received, 1) }, { "bytesPerSecondSentByServer", Round(sentPerSecond, 1) },
    { "readbacks", readbacks }, { "serverPid", stream.ServerPid } };
  idle["summary"] = Summary("server CPU " + Fmt(cpuPercent) + " %, " + Fmt(received, 0) + " B/s to the viewer, " +
      std::to_string(readbacks) + " readbacks",
    cpuPercent / 100.0, "~0 CPU, 0 B/s", cpuPercent < 1.0 && received == 0.0 && readbacks == 0);
  return idle;
}

// The host drives its own renders, as VTK's Animation examples do: a 1 ms interactor timer
// whose callback turns the scene and renders, inside interactor->Start() (HostApp). Streaming
// must neither slow that loop (render fps with vs without, median of paired rounds) nor miss
// its frames (frames an MJPEG and a WebSocket viewer received vs frames rendered while they
// watched). With streaming, the app renders a fixed number of frames and then idles, so
// that every frame has time to arrive before the counts are compared.
json AppDrivenStage(int width, int height, const Options& options)
{
  using renderstream::testing::AppProcess;
  using renderstream::testing::HostReport;
  const double seconds = options.Smoke ? 2.0 : 2 * options.Seconds;
  const auto hostApp = [&](std::vector<std::string> extra) {
    std::vector<std::string> args = { RENDERSTREAM_BIN_DIR "/HostApp", "--offscreen", "--spheres",
      "--size", std::to_string(width) + "x" + std::to_string(height), "--timer-ms", "1", "--render-on-timer" };
    args.insert(args.end(), extra.begin(), extra.end());
    return AppProcess(args);
  };
  const auto report = [](AppProcess& app) {
    const HostReport r = HostReport::Parse(app.ReadLine(std::chrono::seconds(120)));
    app.Wait(std::chrono::seconds(10));
    if (!r.Ok || r.Seconds <= 0)
    {
      throw std::runtime_error("HostApp gave no report");
    }
    return r;
  };
  struct Paired
  {
    double FpsAlone = 0, FpsStreaming = 0;
    long Watched = 0, Mjpeg = 0, WebSocket = 0;
  };
  const auto round = [&] {
    Paired out;
    AppProcess alone = hostApp({ "--seconds", Fmt(seconds, 1) });
    alone.ReadLine(std::chrono::seconds(30));
    const HostReport aloneReport = report(alone);
    out.FpsAlone = aloneReport.Renders / aloneReport.Seconds;

    const long frames = std::max(5L, std::lround(out.FpsAlone * seconds));
    AppProcess app = hostApp({ "--stream", "--frames", std::to_string(frames), "--seconds", Fmt(3 * seconds + 2, 1) });
    const auto url = renderstream::testing::ParseReadyLine(app.ReadLine(std::chrono::seconds(30)));
    auto mjpeg = std::make_shared<renderstream::testing::MjpegClient>(url.Port, "/stream.mjpeg?token=" + url.Token);
    auto ws = std::make_shared<renderstream::testing::WsClient>(url.Port, "/ws?token=" + url.Token,
      "http://127.0.0.1:" + std::to_string(url.Port));
    const long capturedAtConnect = renderstream::testing::GetStats(url.Port, url.Token)["frames"]["captured"].get<long>();
    std::atomic<long> mjpegFrames{ 0 }, wsFrames{ 0 };
    std::thread mjpegReader([mjpeg, &mjpegFrames] {
      for (std::string part; mjpeg->NextPart(part);)
        ++mjpegFrames;
    });
    std::thread wsReader([ws, &wsFrames] {
      for (std::string jpeg; ws->ReadFrame(jpeg);)
        ++wsFrames;
    });
    const HostReport streamed = report(app); // the streams end with the app
    mjpegReader.join();
    wsReader.join();
    if (streamed.Captured < streamed.Renders - 1)
    {
      throw std::runtime_error("HostApp: renders that were not captured: " + streamed.Format());
    }
    out.FpsStreaming = (frames - 1) / std::max(streamed.AnimatedSeconds, 1e-3);
    // Each viewer gets the frame shown at connect time, then every later one.
    out.Watched = streamed.Captured - capturedAtConnect + 1;
    out.Mjpeg = mjpegFrames;
    out.WebSocket = wsFrames;
    return out;
  };
  const int rounds = options.Smoke ? 1 : 3;
  std::vector<double> renderRatios;
  Paired total;
  for (int i = 0; i < rounds; ++i)
  {
    const Paired r = round();
    renderRatios.push_back(r.FpsStreaming / r.FpsAlone);
    total.FpsAlone += r.FpsAlone / rounds;
    total.FpsStreaming += r.FpsStreaming / rounds;
    total.Watched += r.Watched;
    total.Mjpeg += r.Mjpeg;
    total.WebSocket += r.WebSocket;
  }
  const double renderRatio = Percentile(renderRatios, 50);
  const double mjpegRatio = double(total.Mjpeg) / std::max(1L, total.Watched);
  const double wsRatio = double(total.WebSocket) / std::max(1L, total.Watched);
  const double worst = std::min({ renderRatio, mjpegRatio, wsRatio });
  json result = { { "fpsWithoutStreaming", Round(total.FpsAlone, 2) },
    { "fpsWithStreaming", Round(total.FpsStreaming, 2) }, { "renderRatio", Round(renderRatio) },
    { "framesWatched", total.Watched }, { "mjpegFrames", total.Mjpeg }, { "webSocketFrames", total.WebSocket } };
  result["summary"] = Summary(Fmt(total.FpsStreaming, 1) + " fps streaming vs " + Fmt(total.FpsAlone, 1) +
      " fps alone (median ratio of " + std::to_string(rounds) + " paired rounds " + Fmt(renderRatio, 3) +
      "); delivered/rendered MJPEG " + Fmt(mjpegRatio, 3) + ", WS " + Fmt(wsRatio, 3),
    worst, "render ratio and delivery >= 0.95", worst >= 0.95);
  return result;
}

// A viewer behind a slow link (ThrottlingProxy: a token bucket with 32 KiB buffers): StreamCone
// at 960x540, a 3 s drag on a direct connection, then letting go. Catch-up: from letting go
// until the viewer shows the app's final picture; fps and kbit/s: during the drag; the
// rendition the server chose. One acknowledging WebSocket viewer (as the page) and one MJPEG
// viewer, each behind its own link of the same rate.
json SlowLinkStage(double bitsPerSecond)
{
  using namespace renderstream::testing;
  AppProcess app({ RENDERSTREAM_BIN_DIR "/StreamCone", "--offscreen", "--size", "960x540", "--seconds", "60" });
  const Url url = ParseReadyLine(app.ReadLine(std::chrono::seconds(30)));
  if (url.Port == 0)
  {
    throw std::runtime_error("StreamCone did not start");
  }
  ThrottlingProxy wsLink(url.Port, bitsPerSecond), mjpegLink(url.Port, bitsPerSecond);
  LinkViewer ws(LinkViewer::Kind::AckingWebSocket, wsLink.Port, url.Token);
  LinkViewer mjpeg(LinkViewer::Kind::Mjpeg, mjpegLink.Port, url.Token);
  Pause(1500); // the first full frames cross
  const auto dragStart = Clock::now();
  const auto letGo = DragAcross(url, 3.0);
  json link;
  for (const auto& client : GetStats(url.Port, url.Token).value("clientList", json::array()))
  {
    if (client["kind"] == "websocket" && client["link"]["acks"] == true)
    {
      link = client["link"];
    }
  }
  Pause(3000);
  const Grid final = AppPicture(url);
  const auto frames = ws.Frames();
  const double catchUp = CatchUp(frames, letGo, final);
  const double mjpegCatchUp = CatchUp(mjpeg.Frames(), letGo, final);
  const auto from = dragStart + std::chrono::seconds(1);
  const double fps = Fps(frames, from, letGo);
  double bytes = 0;
  for (const Received& frame : frames)
  {
    bytes += frame.At >= from && frame.At < letGo ? double(frame.Bytes) : 0.0;
  }
  const double kbps = bytes * 8 / 1000 / std::chrono::duration<double>(letGo - from).count();
  ::kill(app.Pid, SIGTERM);
  json out = { { "linkKbps", bitsPerSecond / 1000 }, { "catchUpSeconds", Round(catchUp) },
    { "mjpegCatchUpSeconds", Round(mjpegCatchUp) }, { "dragFps", Round(fps, 2) }, { "kbpsUsed", Round(kbps, 1) },
    { "rendition", link } };
  const std::string rendition = link.is_null() ? std::string("?")
    : "quality " + std::to_string(link["quality"].get<int>()) + (link["scale"].get<double>() < 1 ? " at half size" : " at full size");
  out["summary"] = Summary("catch-up " + Fmt(catchUp) + " s (MJPEG " + Fmt(mjpegCatchUp) + " s), " + Fmt(fps, 1) +
      " fps during a drag, " + Fmt(kbps, 0) + " kbit/s used, " + rendition,
    catchUp, "catch-up <= 1 s, >= 5 fps", catchUp >= 0 && catchUp <= 1.0 && fps >= 5);
  return out;
}

std::string Trim(std::string s)
{
  s.erase(0, s.find_first_not_of(" \t"));
  s.erase(s.find_last_not_of(" \t\n") + 1);
  return s;
}

json Machine(const std::string& renderer)
{
  std::ifstream cpuinfo("/proc/cpuinfo");
  std::string line, model = "?";
  while (std::getline(cpuinfo, line))
  {
    if (line.rfind("model name", 0) == 0)
    {
      model = Trim(line.substr(line.find(':') + 1));
      break;
    }
  }
  char host[256] = {};
  gethostname(host, sizeof(host) - 1);
  const long cores = sysconf(_SC_NPROCESSORS_ONLN);
  return { { "nproc", cores }, { "cpu", model }, { "gl", renderer }, { "host", host },
    { "description", std::to_string(cores) + " cores, " + model + ", Mesa " + renderer + ", Xvfb" },
    { "turbojpeg", "libturbojpeg (TurboJPEG API 2)" } };
}

std::string IsoDate()
{
  const std::time_t now = std::time(nullptr);
  char text[64];
  std::strftime(text, sizeof(text), "%Y-%m-%dT%H:%M:%SZ", std::gmtime(&now));
  return text;
}

Options Parse(int argc, char* argv[])
{
  Options options;
  options.JsonPath = "bench.json";
  options.Stages = "capture,encode,renderLoop,fanout,latency,idle,appDriven,slowLink";
  namespace po = boost::program_options;
  std::string sizes;
  po::options_description extra;
  extra.add_options()("sizes", po::value(&sizes), "resolutions WxH,... (default 640x480,1280x720,1920x1080)");
  const po::variables_map given = ParseBenchOptions(argc, argv, "RenderStreamBench", options, extra);
  if (options.Smoke) // one resolution, a second a phase, unless asked otherwise
  {
    options.Sizes = { { 640, 480 } };
    options.Seconds = given["seconds"].defaulted() ? 1.0 : options.Seconds;
  }
  if (!sizes.empty())
  {
    options.Sizes.clear();
    std::istringstream list(sizes);
    std::string item;
    while (std::getline(list, item, ','))
    {
      const auto x = item.find('x');
      options.Sizes.emplace_back(std::stoi(item.substr(0, x)), std::stoi(item.substr(x + 1)));
    }
  }
  return options;
}
} // namespace

int main(int argc, char* argv[])
{
  const Options options = Parse(argc, argv);
  json report = { { "date", IsoDate() }, { "mode", options.Smoke ? "smoke" : "full" },
    { "secondsPerPhase", options.Seconds } };
  json results = json::array();
  try
  {
    for (const auto& [w, h] : options.Sizes)
    {
      const std::string res = std::to_string(w) + "x" + std::to_string(h);
      Say("== " + res);
      Scene scene(w, h);
      if (!report.contains("machine"))
      {
        report["machine"] = Machine(RendererName(scene.Window));
      }
      for (int i = 0; i < 5; ++i) // warm-up: shaders, buffers
      {
        scene.Advance();
      }
      json stages;
      std::vector<unsigned char> frame;
      const auto show = [&](const char* name) {
        const json& s = stages[name]["summary"];
        Say("  " + std::string(name) + ": " + s["figure"].get<std::string>() + "  [ratio " +
          Fmt(s["ratio"].get<double>(), 3) + ", target " + s["target"].get<std::string>() + (s["met"].get<bool>() ? ", met]" : ", MISSED]"));
      };
      if (options.Wants("capture"))
      {
        stages["capture"] = CaptureStage(scene, options, frame);
        show("capture");
      }
      if (options.Wants("encode"))
      {
        frame.resize(std::size_t(w) * h * 4);
        stages["encode"] = EncodeStage(scene, options, frame);
        show("encode");
      }
      if (options.Wants("renderLoop"))
      {
        json delivery;
        stages["renderLoop"] = LoopAndDeliveryStages(scene, options, delivery);
        show("renderLoop");
        stages["delivery"] = delivery;
        show("delivery");
      }
      if (options.Wants("fanout"))
      {
        stages["fanout"] = FanoutStage(scene, options);
        show("fanout");
      }
      if (options.Wants("latency"))
      {
        stages["latency"] = LatencyStage(scene, options);
        show("latency");
      }
      if (options.Wants("idle"))
      {
        stages["idle"] = IdleStage(scene, options);
        show("idle");
      }
      if (options.Wants("appDriven"))
      {
        stages["appDriven"] = AppDrivenStage(w, h, options);
        show("appDriven");
      }
      results.push_back({ { "resolution", res }, { "width", w }, { "height", h }, { "stages", stages } });
    }
    if (options.Wants("slowLink"))
    {
      Say("== 960x540, StreamCone behind a slow link");
      json stages;
      for (const auto& [name, bits] : { std::pair<const char*, double>{ "slowLink2M", 2e6 }, { "slowLink300k", 300e3 } })
      {
        stages[name] = SlowLinkStage(bits);
        Say(std::string("  ") + name + ": " + stages[name]["summary"]["figure"].get<std::string>());
      }
      results.push_back({ { "resolution", "960x540" }, { "width", 960 }, { "height", 540 }, { "stages", stages } });
    }
  }
  catch (const std::exception& e)
  {
    std::cerr << "RenderStreamBench: " << e.what() << std::endl;
    report["error"] = e.what();
  }
  report["results"] = results;
  std::ofstream(options.JsonPath) << report.dump(2) << "\n";
  Say("wrote " + options.JsonPath);
  return report.contains("error") ? 1 : 0;
}
