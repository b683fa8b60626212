// Viewers on slow links: the picture catches up with the application within about a frame of
// the user letting go, the frame rate during a drag degrades gracefully (quality, then size),
// and a free link is not degraded. Real StreamCone and server processes, real sockets, and a
// throttling TCP proxy (ThrottlingProxy.h) between the server and the viewer.
#include "AppProcess.h"
#include "TestClient.h"
#include "ThrottlingProxy.h"

#include <gtest/gtest.h>

#include <atomic>
#include <cmath>
#include <mutex>
#include <thread>

namespace
{
using namespace renderstream::testing;
using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

constexpr int kWidth = 960, kHeight = 540;

// A coarse grey picture (32x18 block means): frames of any size and quality compare.
using Grid = std::vector<double>;
Grid GridOf(const std::string& jpeg)
{
  const DecodedImage image = DecodeJpeg(jpeg);
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

double Difference(const Grid& a, const Grid& b)
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
  std::string Jpeg;
};

// Reads frames on its own thread and records when each arrived. A WebSocket viewer
// acknowledges each frame, as the viewer page does.
class Viewer
{
public:
  enum class Kind { AckingWebSocket, Mjpeg };
  Viewer(Kind kind, std::uint16_t port, const std::string& token)
  {
    if (kind == Kind::Mjpeg)
    {
      auto mjpeg = std::make_shared<MjpegClient>(port, "/stream.mjpeg?token=" + token);
      this->Socket = mjpeg->Socket_().native_handle();
      this->Thread = std::thread([this, mjpeg] {
        for (std::string jpeg; !this->Stop && mjpeg->NextPart(jpeg);)
          this->Record(jpeg);
      });
      return;
    }
    auto ws = std::make_shared<WsClient>(port, "/ws?token=" + token);
    EXPECT_TRUE(ws->Open()) << "upgrade status " << ws->HandshakeStatus;
    this->Socket = ws->NativeHandle();
    this->Thread = std::thread([this, ws] {
      std::string data;
      bool text = false;
      while (!this->Stop && ws->Read(data, text))
      {
        if (!text)
        {
          this->Record(data);
          ws->SendText(R"({"type":"ack"})");
        }
      }
    });
  }
  ~Viewer()
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

private:
  void Record(const std::string& jpeg)
  {
    const DecodedImage image = DecodeJpeg(jpeg);
    std::lock_guard<std::mutex> lock(this->Mutex);
    this->Log.push_back({ Clock::now(), image.Width, jpeg.size(), jpeg });
  }
  std::atomic<bool> Stop{ false };
  int Socket = -1;
  std::mutex Mutex;
  std::vector<Received> Log;
  std::thread Thread;
};

std::string Pointer(const char* action, double x, double y)
{
  return std::string(R"({"type":"pointer","action":")") + action + R"(","x":)" + std::to_string(x) +
    R"(,"y":)" + std::to_string(y) + R"(,"button":0})";
}

class SlowLink : public ::testing::Test
{
protected:
  void SetUp() override
  {
    const std::string line = this->App.ReadLine(30s);
    this->Address = ParseReadyLine(line);
    ASSERT_NE(this->Address.Port, 0) << "ready line: '" << line << "'";
  }
  void TearDown() override { ::kill(this->App.Pid, SIGTERM); }

  // Drags across the cone for `seconds` (30 moves a second) on a direct connection, then lets
  // go; returns when it let go.
  Clock::time_point Drag(double seconds)
  {
    WsClient driver(this->Address.Port, "/ws?token=" + this->Address.Token);
    EXPECT_TRUE(driver.Open());
    driver.SendText(Pointer("down", 0.2, 0.5));
    const int moves = static_cast<int>(seconds * 30);
    for (int i = 1; i <= moves; ++i)
    {
      driver.SendText(Pointer("move", 0.2 + 0.6 * i / moves, 0.5 + 0.1 * std::sin(i * 0.2)));
      std::this_thread::sleep_for(33ms);
    }
    driver.SendText(Pointer("up", 0.8, 0.5));
    return Clock::now();
  }
  // The application's picture now, fetched directly (not through the proxy).
  Grid Picture()
  {
    const HttpReply reply = HttpGet(this->Address.Port, "/snapshot.jpg?token=" + this->Address.Token);
    EXPECT_EQ(reply.Status, 200);
    return GridOf(reply.Body);
  }
  // Seconds from letting go until `frames` held the app's final picture (-1: never).
  static double CatchUp(const std::vector<Received>& frames, Clock::time_point letGo, const Grid& final)
  {
    for (const Received& frame : frames)
    {
      if (frame.At >= letGo && Difference(GridOf(frame.Jpeg), final) < 4)
      {
        return std::chrono::duration<double>(frame.At - letGo).count();
      }
    }
    return -1;
  }
  static double Fps(const std::vector<Received>& frames, Clock::time_point from, Clock::time_point to)
  {
    const auto n = std::count_if(frames.begin(), frames.end(), [&](const Received& f) { return f.At >= from && f.At < to; });
    return double(n) / std::chrono::duration<double>(to - from).count();
  }
  nlohmann::json ClientStats(const std::string& kind, bool slow)
  {
    const nlohmann::json stats = GetStats(this->Address.Port, this->Address.Token);
    for (const auto& client : stats["clientList"])
    {
      if (client["kind"] == kind && client["link"]["slow"] == slow)
      {
        return client;
      }
    }
    return {};
  }

  AppProcess App{ { RENDERSTREAM_BIN_DIR "/StreamCone", "--offscreen", "--size",
    std::to_string(kWidth) + "x" + std::to_string(kHeight), "--seconds", "60" } };
  Url Address;
};

TEST_F(SlowLink, WebSocketViewerCatchesUpAt300kbitAndKeepsMoving)
{
  ThrottlingProxy link(this->Address.Port, 300e3);
  Viewer viewer(Viewer::Kind::AckingWebSocket, link.Port, this->Address.Token);
  std::this_thread::sleep_for(1500ms); // the first full frame crosses the slow link
  const Grid start = this->Picture();
  const auto dragStart = Clock::now();
  const auto letGo = this->Drag(3.0);
  const nlohmann::json during = this->ClientStats("websocket", true);
  std::this_thread::sleep_for(2500ms);
  const Grid final = this->Picture();
  ASSERT_GT(Difference(start, final), 4) << "the drag turned the cone";
  const auto frames = viewer.Frames();
  const double catchUp = CatchUp(frames, letGo, final);
  const double fps = Fps(frames, dragStart + 1s, letGo);
  const int smallest = std::min_element(frames.begin(), frames.end(), [](auto& a, auto& b) { return a.Width < b.Width; })->Width;
  std::cout << "300 kbit/s: catch-up " << catchUp << " s, " << fps << " fps during the drag, smallest frame "
            << smallest << " px wide, link " << during.dump() << "\n";
  EXPECT_GE(catchUp, 0) << "the viewer never showed the final picture";
  EXPECT_LT(catchUp, 2.0) << "lag after letting go (before: 8-10 s)";
  EXPECT_GT(fps, 2.0) << "frames kept coming during the drag";
  ASSERT_FALSE(during.is_null()) << "/stats shows the viewer's link as slow";
  EXPECT_GT(during["link"]["kbps"].get<double>(), 100);
  EXPECT_LT(during["link"]["kbps"].get<double>(), 600);
  EXPECT_TRUE(during["link"]["acks"].get<bool>());
  EXPECT_EQ(frames.back().Width, kWidth) << "the still after the drag is at full size";
}

TEST_F(SlowLink, FreeLinkIsNotDegraded)
{
  Viewer viewer(Viewer::Kind::AckingWebSocket, this->Address.Port, this->Address.Token);
  std::this_thread::sleep_for(300ms);
  const auto letGo = this->Drag(2.0);
  EXPECT_FALSE(this->ClientStats("websocket", false).is_null()) << "the link is not slow";
  std::this_thread::sleep_for(1s);
  const auto frames = viewer.Frames();
  ASSERT_GT(frames.size(), 5u);
  for (const Received& frame : frames)
  {
    EXPECT_EQ(frame.Width, kWidth) << "every frame at full size";
  }
  EXPECT_LT(CatchUp(frames, letGo, this->Picture()), 0.5);
}

TEST_F(SlowLink, SlowAndFastViewersEachGetWhatTheirLinkCarries)
{
  ThrottlingProxy link(this->Address.Port, 300e3);
  Viewer slow(Viewer::Kind::AckingWebSocket, link.Port, this->Address.Token);
  Viewer fast(Viewer::Kind::AckingWebSocket, this->Address.Port, this->Address.Token);
  std::this_thread::sleep_for(1500ms);
  const auto dragStart = Clock::now();
  const auto letGo = this->Drag(3.0);
  std::this_thread::sleep_for(2500ms);
  const Grid final = this->Picture();
  const auto slowFrames = slow.Frames(), fastFrames = fast.Frames();
  const double slowFps = Fps(slowFrames, dragStart + 1s, letGo), fastFps = Fps(fastFrames, dragStart + 1s, letGo);
  std::cout << "fast viewer " << fastFps << " fps, slow viewer " << slowFps << " fps during the drag\n";
  EXPECT_GT(fastFps, slowFps) << "the slow viewer does not hold the fast one back";
  for (const Received& frame : fastFrames)
  {
    EXPECT_EQ(frame.Width, kWidth) << "the fast viewer gets full-size frames";
  }
  EXPECT_TRUE(std::any_of(slowFrames.begin(), slowFrames.end(), [](const Received& f) { return f.Width < kWidth; }))
    << "the slow viewer stepped down to half size";
  EXPECT_LT(CatchUp(fastFrames, letGo, final), 0.5);
  const double slowCatchUp = CatchUp(slowFrames, letGo, final);
  EXPECT_GE(slowCatchUp, 0);
  EXPECT_LT(slowCatchUp, 2.0);
}

TEST_F(SlowLink, MjpegBehindTheSlowLinkHasBoundedLag)
{
  ThrottlingProxy link(this->Address.Port, 300e3);
  Viewer viewer(Viewer::Kind::Mjpeg, link.Port, this->Address.Token);
  std::this_thread::sleep_for(1500ms);
  const auto letGo = this->Drag(3.0);
  std::this_thread::sleep_for(5s);
  const double catchUp = CatchUp(viewer.Frames(), letGo, this->Picture());
  std::cout << "MJPEG at 300 kbit/s: catch-up " << catchUp << " s\n";
  EXPECT_GE(catchUp, 0) << "the MJPEG viewer never showed the final picture";
  EXPECT_LT(catchUp, 4.0) << "no acknowledgements: the path's buffers bound the lag (before: 8-10 s)";
}
} // namespace
