// Viewers on slow links: the picture catches up with the application within about a frame of
// the user letting go, the frame rate during a drag degrades gracefully (quality, then size),
// and a free link is not degraded. Real StreamCone and server processes, real sockets, and a
// throttling TCP proxy (ThrottlingProxy.h) between the server and the viewer.
#include "AppProcess.h"
#include "LinkViewer.h"
#include "ThrottlingProxy.h"

#include <gtest/gtest.h>

#include <thread>

namespace
{
using namespace renderstream::testing;
using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

constexpr int kWidth = 960, kHeight = 540;

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

  Clock::time_point Drag(double seconds) { return DragAcross(this->Address, seconds); }
  Grid Picture() { return AppPicture(this->Address); }
  /// The picture once the application has rendered the drag's last move.
  Grid Final() { return SettledPicture(this->Address); }
  nlohmann::json ClientStats(const std::string& kind, bool slow)
  {
    const nlohmann::json stats = GetStats(this->Address.Port, this->Address.Token);
    for (const auto& client : stats["clientList"])
    {
      // The viewer acknowledges frames; the drag's own connection does not.
      if (client["kind"] == kind && client["link"]["slow"] == slow && client["link"]["acks"] == true)
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
  LinkViewer viewer(LinkViewer::Kind::AckingWebSocket, link.Port, this->Address.Token);
  ASSERT_TRUE(WaitForQuiet(viewer)); // the first full frame crosses the slow link
  const Grid start = this->Picture();
  const auto dragStart = Clock::now();
  const auto letGo = this->Drag(3.0);
  const nlohmann::json during = this->ClientStats("websocket", true);
  const Grid final = this->Final();
  ASSERT_GT(Difference(start, final), 4) << "the drag turned the cone";
  const double catchUp = WaitForCatchUp(viewer, letGo, final, 5s);
  WaitUntil(viewer, [&](const std::vector<Received>& f) { return f.back().At > letGo && f.back().Width == kWidth; }, 3s);
  const auto frames = viewer.Frames();
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

// And viewers that do not acknowledge are not paced on a free link.
TEST_F(SlowLink, FreeLinkIsNotDegraded)
{
  using Kind = LinkViewer::Kind;
  LinkViewer acking(Kind::AckingWebSocket, this->Address.Port, this->Address.Token);
  LinkViewer silent(Kind::SilentWebSocket, this->Address.Port, this->Address.Token);
  LinkViewer mjpeg(Kind::Mjpeg, this->Address.Port, this->Address.Token);
  ASSERT_TRUE(WaitForFrames(acking, 1) && WaitForFrames(silent, 1) && WaitForFrames(mjpeg, 1));
  const auto letGo = this->Drag(2.0);
  const Grid final = this->Final();
  for (auto* viewer : { &acking, &silent, &mjpeg })
  {
    EXPECT_GE(WaitForCatchUp(*viewer, letGo, final, 2s), 0);
  }
  EXPECT_FALSE(this->ClientStats("websocket", false).is_null()) << "the link is not slow";
  const std::size_t count = acking.Frames().size();
  ASSERT_GT(count, 5u);
  for (auto* viewer : { &acking, &silent, &mjpeg })
  {
    const auto frames = viewer->Frames();
    EXPECT_GE(frames.size() + 2, count) << "as many frames as the acknowledging viewer";
    for (const Received& frame : frames)
    {
      EXPECT_EQ(frame.Width, kWidth) << "every frame at full size";
    }
    EXPECT_LT(CatchUp(frames, letGo, final), 0.5);
  }
}

TEST_F(SlowLink, QualityComesBackWhenTheLinkFrees)
{
  ThrottlingProxy link(this->Address.Port, 300e3);
  LinkViewer viewer(LinkViewer::Kind::AckingWebSocket, link.Port, this->Address.Token);
  ASSERT_TRUE(WaitForQuiet(viewer));
  const auto slowDrag = Clock::now();
  this->Drag(2.0);
  link.SetRate(50e6); // the link frees
  std::this_thread::sleep_for(500ms);
  const auto freeDrag = Clock::now();
  const auto letGo = this->Drag(4.0);
  const auto frames = viewer.Frames();
  const auto halfSize = [](const Received& f) { return f.Width < kWidth; };
  EXPECT_TRUE(std::any_of(frames.begin(), frames.end(), [&](const Received& f) { return f.At > slowDrag && halfSize(f); }))
    << "on the slow link it stepped down to half size";
  const auto last = std::find_if(frames.rbegin(), frames.rend(), [&](const Received& f) { return f.At < letGo; });
  ASSERT_NE(last, frames.rend());
  EXPECT_GT(last->At, freeDrag);
  EXPECT_EQ(last->Width, kWidth) << "back at full size once the link freed";
  EXPECT_FALSE(this->ClientStats("websocket", false).is_null()) << "and no longer slow";
}

TEST_F(SlowLink, SlowAndFastViewersEachGetWhatTheirLinkCarries)
{
  ThrottlingProxy link(this->Address.Port, 300e3);
  LinkViewer slow(LinkViewer::Kind::AckingWebSocket, link.Port, this->Address.Token);
  LinkViewer fast(LinkViewer::Kind::AckingWebSocket, this->Address.Port, this->Address.Token);
  ASSERT_TRUE(WaitForQuiet(slow) && WaitForQuiet(fast));
  const auto dragStart = Clock::now();
  const auto letGo = this->Drag(3.0);
  const Grid final = this->Final();
  WaitForCatchUp(fast, letGo, final, 5s);
  WaitForCatchUp(slow, letGo, final, 5s);
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
  LinkViewer viewer(LinkViewer::Kind::Mjpeg, link.Port, this->Address.Token);
  ASSERT_TRUE(WaitForQuiet(viewer));
  const auto letGo = this->Drag(3.0);
  const double catchUp = WaitForCatchUp(viewer, letGo, this->Final(), 8s);
  std::cout << "MJPEG at 300 kbit/s: catch-up " << catchUp << " s\n";
  EXPECT_GE(catchUp, 0) << "the MJPEG viewer never showed the final picture";
  EXPECT_LT(catchUp, 2.5) << "no acknowledgements: paced by the link's rate (before: 8-10 s, then 1-1.5 s)";
}
} // namespace

namespace
{
// Viewers that never acknowledge (an MJPEG player, a WebSocket client of its own) behind a
// link with the kernel's ordinary buffers: what they have not received yet sits where the
// server cannot see it, so the server paces them by the rate their link has shown (before:
// they settled 5-6 s after letting go, the buffers' worth of pictures late).
TEST_F(SlowLink, NonAcknowledgingViewersSettleQuicklyBehindOrdinaryBuffers)
{
  using Buffers = ThrottlingProxy::Buffers;
  ThrottlingProxy wsLink(this->Address.Port, 300e3, Buffers::Ordinary);
  ThrottlingProxy mjpegLink(this->Address.Port, 300e3, Buffers::Ordinary);
  LinkViewer ws(LinkViewer::Kind::SilentWebSocket, wsLink.Port, this->Address.Token);
  LinkViewer mjpeg(LinkViewer::Kind::Mjpeg, mjpegLink.Port, this->Address.Token);
  ASSERT_TRUE(WaitForFrames(ws, 1) && WaitForFrames(mjpeg, 1));
  const auto start = Clock::now();
  const auto letGo = this->Drag(10.0);
  const Grid final = this->Final();
  for (auto* viewer : { &ws, &mjpeg })
  {
    const std::string name = viewer == &ws ? "WebSocket (no acks)" : "MJPEG";
    const double catchUp = WaitForCatchUp(*viewer, letGo, final, 8s);
    const double fps = Fps(viewer->Frames(), start, letGo);
    std::cout << name << " at 300 kbit/s, ordinary buffers: catch-up " << catchUp << " s, " << fps
              << " fps during the drag\n";
    EXPECT_GE(catchUp, 0) << name << " never showed the final picture";
    EXPECT_LT(catchUp, 1.5) << name;
    EXPECT_GE(fps, 2.0) << name << " keeps moving during the drag";
  }
}

TEST_F(SlowLink, H264ViewerAt300kbitKeepsMovingNeverBreaksAndCatchesUp)
{
  ThrottlingProxy link(this->Address.Port, 300e3);
  LinkViewer viewer(LinkViewer::Kind::H264WebSocket, link.Port, this->Address.Token);
  ASSERT_TRUE(WaitForQuiet(viewer));
  const auto dragStart = Clock::now();
  const auto letGo = this->Drag(3.0);
  const Grid final = this->Final();
  const double catchUp = WaitForCatchUp(viewer, letGo, final, 5s);
  const auto frames = viewer.Frames();
  const double fps = Fps(frames, dragStart + 1s, letGo);
  const auto video = std::count_if(frames.begin(), frames.end(), [](const Received& f) { return f.Video; });
  std::cout << "H.264 at 300 kbit/s: catch-up " << catchUp << " s, " << fps << " fps during the drag, "
            << video << " video units, " << viewer.BrokenUnits() << " broken; server video "
            << GetStats(this->Address.Port, this->Address.Token)["video"].dump() << ", link "
            << this->ClientStats("websocket", true).dump() << "\n";
  EXPECT_GT(video, 10) << "the drag came as video";
  EXPECT_EQ(viewer.BrokenUnits(), 0) << "every access unit decoded: skips resumed at key frames";
  EXPECT_GE(catchUp, 0) << "the viewer never showed the final picture";
  EXPECT_LT(catchUp, 2.0);
  EXPECT_GT(fps, 2.0);
}
} // namespace
