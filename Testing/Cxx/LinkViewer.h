// The viewer's side of a link, for the slow-link test and bench: a viewer that records when
// each frame arrived (a WebSocket one acknowledges frames as the viewer page does; an H.264
// one decodes its video as the page does, drawing JPEG stills over it), coarse picture
// comparison, a drag, and the figures: catch-up after letting go, frames a second.
#ifndef RenderStream_LinkViewer_h
#define RenderStream_LinkViewer_h

#include "AppProcess.h"
#include "TestClient.h"
#include "VideoDecoder.h"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <mutex>
#include <stdexcept>
#include <sys/socket.h>
#include <thread>
#include <vector>

namespace renderstream::testing
{
using Clock = std::chrono::steady_clock;

// A coarse grey picture (32x18 block means): frames of any size and quality compare.
using Grid = std::vector<double>;
inline Grid GridOf(const DecodedImage& image)
{
  Grid grid(32 * 18, 0.0);
  if (!image.Ok)
  {
    return {};
  }
  std::vector<int> counts(grid.size(), 0);
  for (int y = 0; y < image.Height; ++y)
  {
    for (int x = 0; x < image.Width; ++x)
    {
      const unsigned char* p = image.At(x, y);
      const std::size_t cell = std::size_t(y * 18 / image.Height) * 32 + std::size_t(x * 32 / image.Width);
      grid[cell] += 0.299 * p[0] + 0.587 * p[1] + 0.114 * p[2];
      ++counts[cell];
    }
  }
  for (std::size_t i = 0; i < grid.size(); ++i)
  {
    grid[i] /= std::max(counts[i], 1);
  }
  return grid;
}
inline Grid GridOf(const std::string& jpeg)
{
  return GridOf(DecodeJpeg(jpeg));
}

inline double Difference(const Grid& a, const Grid& b)
{
  if (a.empty() || a.size() != b.size())
  {
    return 255;
  }
  double sum = 0;
  for (std::size_t i = 0; i < a.size(); ++i)
  {
    sum += std::abs(a[i] - b[i]);
  }
  return sum / double(a.size());
}

struct Received
{
  Clock::time_point At;
  int Width = 0;
  std::size_t Bytes = 0;
  Grid Picture; // what the viewer shows after this message
  bool Video = false;
};

// Reads frames on its own thread and records when each arrived. A WebSocket viewer
// acknowledges each frame, as the viewer page does, unless it is a silent one (a client of
// its own, which only reads).
class LinkViewer
{
public:
  enum class Kind { AckingWebSocket, SilentWebSocket, Mjpeg, H264WebSocket };
  /// `decode`: keep each frame's picture (costs a decode per frame).
  LinkViewer(Kind kind, std::uint16_t port, const std::string& token, bool decode = true)
    : Decode(decode)
  {
    if (kind == Kind::Mjpeg)
    {
      auto mjpeg = std::make_shared<MjpegClient>(port, "/stream.mjpeg?token=" + token);
      this->Socket = mjpeg->NativeHandle();
      this->Thread = std::thread([this, mjpeg] {
        for (std::string jpeg; !this->Stop && mjpeg->NextPart(jpeg);)
          this->RecordJpeg(jpeg);
      });
      return;
    }
    const bool video = kind == Kind::H264WebSocket;
    auto ws = std::make_shared<WsClient>(port, "/ws?token=" + token + (video ? "&codec=h264" : ""));
    if (!ws->Open())
    {
      throw std::runtime_error("viewer: WebSocket upgrade status " + std::to_string(ws->HandshakeStatus));
    }
    this->Socket = ws->NativeHandle();
    const bool acks = kind != Kind::SilentWebSocket;
    this->Thread = std::thread([this, ws, video, acks] {
      std::string data;
      bool text = false;
      VideoDecoder decoder;
      while (!this->Stop && ws->Read(data, text))
      {
        if (text)
        {
          continue;
        }
        if (acks)
        {
          ws->SendText(R"({"type":"ack"})");
        }
        if (!video || data[0] == 'J')
        {
          this->RecordJpeg(video ? data.substr(1) : data);
          continue;
        }
        if (!this->Decode)
        {
          this->Record(0, data.size() - 1, {}, true);
          continue;
        }
        const DecodedImage image = decoder.Decode(data.substr(1)); // every unit, in order
        this->Record(image.Width, data.size() - 1, GridOf(image), true);
        this->Broken += image.Ok ? 0 : 1;
      }
    });
  }
  ~LinkViewer()
  {
    this->Stop = true;
    ::shutdown(this->Socket, SHUT_RDWR); // ends a read that is waiting
    this->Thread.join();
  }
  std::vector<Received> Frames()
  {
    std::lock_guard<std::mutex> lock(this->Mutex);
    return this->Log;
  }
  /// Video units that did not decode (a broken stream): must stay 0.
  int BrokenUnits() const { return this->Broken; }

private:
  void RecordJpeg(const std::string& jpeg)
  {
    const DecodedImage image = this->Decode ? DecodeJpeg(jpeg) : DecodedImage{};
    this->Record(image.Width, jpeg.size(), this->Decode ? GridOf(image) : Grid{}, false);
  }
  void Record(int width, std::size_t bytes, Grid picture, bool video)
  {
    std::lock_guard<std::mutex> lock(this->Mutex);
    this->Log.push_back({ Clock::now(), width, bytes, std::move(picture), video });
  }
  const bool Decode;
  std::atomic<int> Broken{ 0 };
  std::atomic<bool> Stop{ false };
  int Socket = -1;
  std::mutex Mutex;
  std::vector<Received> Log;
  std::thread Thread;
};

/// Drags across the cone for `seconds` (30 moves a second) on a direct connection, then lets
/// go; returns when it let go.
inline Clock::time_point DragAcross(const Url& app, double seconds)
{
  WsClient driver(app.Port, "/ws?token=" + app.Token);
  if (!driver.Open())
  {
    throw std::runtime_error("drag: WebSocket upgrade status " + std::to_string(driver.HandshakeStatus));
  }
  driver.SendText(Pointer("down", 0.2, 0.5));
  const int moves = static_cast<int>(seconds * 30);
  for (int i = 1; i <= moves; ++i)
  {
    driver.SendText(Pointer("move", 0.2 + 0.6 * i / moves, 0.5 + 0.1 * std::sin(i * 0.2)));
    std::this_thread::sleep_for(std::chrono::milliseconds(33));
  }
  driver.SendText(Pointer("up", 0.8, 0.5));
  return Clock::now();
}

/// The application's picture now, fetched directly (not through a proxy).
inline Grid AppPicture(const Url& app)
{
  const HttpReply reply = HttpGet(app.Port, "/snapshot.jpg?token=" + app.Token);
  if (reply.Status != 200)
  {
    throw std::runtime_error("snapshot: status " + std::to_string(reply.Status));
  }
  return GridOf(reply.Body);
}
/// Seconds from letting go until `frames` held the app's final picture (-1: never).
inline double CatchUp(const std::vector<Received>& frames, Clock::time_point letGo, const Grid& final)
{
  for (const Received& frame : frames)
  {
    if (frame.At >= letGo && Difference(frame.Picture, final) < 4)
    {
      return std::chrono::duration<double>(frame.At - letGo).count();
    }
  }
  return -1;
}
/// Polls `viewer`'s frames until `done(frames)` holds or `limit` has passed: whether it held.
template <typename Done>
bool WaitUntil(LinkViewer& viewer, Done done, Clock::duration limit = std::chrono::seconds(10))
{
  const auto deadline = Clock::now() + limit;
  for (;;)
  {
    if (done(viewer.Frames()))
    {
      return true;
    }
    if (Clock::now() >= deadline)
    {
      return false;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
}
/// Waits until `viewer` has received at least `count` messages (at most 10 s).
inline bool WaitForFrames(LinkViewer& viewer, std::size_t count)
{
  return WaitUntil(viewer, [count](const std::vector<Received>& frames) { return frames.size() >= count; });
}
/// Waits until what `viewer` was sent on joining (the picture, then its still) has arrived: a
/// frame, and none for 300 ms since (at most 10 s).
inline bool WaitForQuiet(LinkViewer& viewer)
{
  return WaitUntil(viewer, [](const std::vector<Received>& frames) {
    return !frames.empty() && Clock::now() - frames.back().At > std::chrono::milliseconds(300);
  });
}
/// Waits until `viewer` shows `final` (at most `limit` after `letGo`); its catch-up (-1: never).
inline double WaitForCatchUp(LinkViewer& viewer, Clock::time_point letGo, const Grid& final, Clock::duration limit)
{
  const auto caughtUp = [&](const std::vector<Received>& frames) { return CatchUp(frames, letGo, final) >= 0; };
  WaitUntil(viewer, caughtUp, letGo + limit - Clock::now());
  return CatchUp(viewer.Frames(), letGo, final);
}
/// The application's picture once it has stopped changing (two snapshots 100 ms apart agree).
inline Grid SettledPicture(const Url& app)
{
  Grid previous = AppPicture(app);
  for (int tries = 0; tries < 50; ++tries)
  {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    Grid now = AppPicture(app);
    if (Difference(previous, now) < 1)
    {
      return now;
    }
    previous = std::move(now);
  }
  return previous;
}
inline double Fps(const std::vector<Received>& frames, Clock::time_point from, Clock::time_point to)
{
  const auto n = std::count_if(frames.begin(), frames.end(), [&](const Received& f) { return f.At >= from && f.At < to; });
  return double(n) / std::chrono::duration<double>(to - from).count();
}
} // namespace renderstream::testing

#endif
