// Streaming is invisible to the host application: apart from the browser input it delivers,
// nothing the app observes changes. Real processes (HostApp, written like VTK's own timer
// examples, and its server), real X windows under Xvfb, real sockets; local mouse input comes
// from xdotool through the X server.
#include "AppProcess.h"
#include "HostReport.h"
#include "TestClient.h"
#include "Wait.h"

#include <gtest/gtest.h>

#include <atomic>
#include <cmath>
#include <cstdio>
#include <regex>
#include <thread>

namespace
{
using namespace renderstream::testing;
using namespace std::chrono_literals;

AppProcess HostApp(const std::vector<std::string>& extra)
{
  std::vector<std::string> args = { RENDERSTREAM_BIN_DIR "/HostApp" };
  args.insert(args.end(), extra.begin(), extra.end());
  return AppProcess(args);
}

// What HostApp printed when it exited; it must have exited cleanly.
HostReport WaitForReport(AppProcess& app)
{
  const std::string line = app.ReadLine(30s);
  HostReport report = HostReport::Parse(line);
  const int status = app.Wait(10s);
  report.Ok = report.Ok && status != -1 && WIFEXITED(status) && WEXITSTATUS(status) == 0;
  EXPECT_TRUE(report.Ok) << "HostApp's last line: '" << line << "'";
  return report;
}

// Runs xdotool (real X input through the X server, as a local user gives it).
std::string Xdotool(const std::string& args)
{
  std::string output;
  if (FILE* pipe = ::popen(("xdotool " + args + " 2>&1").c_str(), "r"))
  {
    char buffer[256];
    while (std::fgets(buffer, sizeof(buffer), pipe))
    {
      output += buffer;
    }
    EXPECT_EQ(::pclose(pipe), 0) << "xdotool " << args << ": " << output;
  }
  return output;
}

std::string HostWindow()
{
  std::string id = Xdotool("search --sync --onlyvisible --name '^HostApp$'");
  return id.substr(0, id.find('\n'));
}

DecodedImage Snapshot(const Url& url)
{
  const HttpReply reply = HttpGet(url.Port, "/snapshot.jpg?token=" + url.Token);
  EXPECT_EQ(reply.Status, 200) << reply.Error;
  return DecodeJpeg(reply.Body);
}

// Share of pixels that differ clearly (JPEG re-encodes of one picture stay far below).
double ChangedShare(const DecodedImage& a, const DecodedImage& b)
{
  if (!a.Ok || !b.Ok || a.Width != b.Width || a.Height != b.Height)
  {
    return 1.0;
  }
  std::size_t changed = 0;
  for (std::size_t i = 0; i < a.Rgb.size(); i += 3)
  {
    const int d = std::abs(a.Rgb[i] - b.Rgb[i]) + std::abs(a.Rgb[i + 1] - b.Rgb[i + 1]) +
      std::abs(a.Rgb[i + 2] - b.Rgb[i + 2]);
    changed += d > 60 ? 1 : 0;
  }
  return double(changed) / double(a.Width * a.Height);
}

long Captured(const Url& url)
{
  return GetStats(url.Port, url.Token)["frames"]["captured"].get<long>();
}

// The capture count once it has stayed put for 300 ms (at most 5 s): what input sent so far
// has rendered, however slow the machine.
long SettledCaptures(const Url& url)
{
  return Settled([&] { return Captured(url); }, std::chrono::milliseconds(300), std::chrono::seconds(5));
}

class StreamingHost
{
public:
  explicit StreamingHost(const std::vector<std::string>& extra)
    : App(HostApp(extra))
  {
    const std::string line = this->App.ReadLine(30s);
    this->Address = ParseReadyLine(line);
    EXPECT_NE(this->Address.Port, 0) << "ready line: '" << line << "'";
  }
  std::unique_ptr<WsClient> Browser()
  {
    auto ws = std::make_unique<WsClient>(this->Address.Port, "/ws?token=" + this->Address.Token,
      "http://127.0.0.1:" + std::to_string(this->Address.Port));
    EXPECT_TRUE(ws->Open()) << "upgrade status " << ws->HandshakeStatus;
    return ws;
  }
  AppProcess App;
  Url Address;
};

// Press, one small move, then hold the button still: the picture must stay as it is. The
// joystick style renders on its own timer while a button is down (also without streaming),
// so for it only the picture is compared, not the number of frames.
void ExpectHoldingStillChangesNothing(const std::string& style, double x, double y)
{
  const bool stylesOwnTimerRenders = style == "joystick";
  StreamingHost host({ "--stream", "--offscreen", "--style", style, "--seconds", "20" });
  ASSERT_NE(host.Address.Port, 0);
  auto browser = host.Browser();
  ASSERT_TRUE(browser->SendText(Pointer("down", x - 0.03, y)));
  ASSERT_TRUE(browser->SendText(Pointer("move", x, y)));
  std::this_thread::sleep_for(500ms); // the move's frame is rendered and captured
  // (the joystick's own timer renders on: only a style without one can settle)
  const long capturedBefore = stylesOwnTimerRenders ? Captured(host.Address) : SettledCaptures(host.Address);
  const DecodedImage before = Snapshot(host.Address);
  std::this_thread::sleep_for(2s);
  if (!stylesOwnTimerRenders)
  {
    EXPECT_EQ(Captured(host.Address), capturedBefore) << "frames rendered while the button was held still";
  }
  EXPECT_LT(ChangedShare(before, Snapshot(host.Address)), 0.001) << "the picture moved";

  // The release still arrives during the drag: afterwards, moving without a button is inert.
  ASSERT_TRUE(browser->SendText(Pointer("up", x, y)));
  const long capturedReleased = SettledCaptures(host.Address); // the release renders once
  ASSERT_TRUE(browser->SendText(Pointer("move", x + 0.2, y + 0.1)));
  std::this_thread::sleep_for(300ms);
  EXPECT_EQ(Captured(host.Address), capturedReleased) << "the style still dragged after the release";
  ::kill(host.App.Pid, SIGTERM);
  EXPECT_TRUE(WaitForReport(host.App).Ok);
}

TEST(Transparency, HeldTrackballDragFromTheBrowserChangesNothing)
{
  ExpectHoldingStillChangesNothing("trackball", 0.6, 0.5);
}

TEST(Transparency, HeldJoystickAtTheCentreFromTheBrowserChangesNothing)
{
  ExpectHoldingStillChangesNothing("joystick", 0.5, 0.5);
}

TEST(Transparency, HeldTrackballDragWithTheLocalMouseChangesNothing)
{
  StreamingHost host({ "--stream", "--style", "trackball", "--seconds", "20" });
  ASSERT_NE(host.Address.Port, 0);
  const std::string window = HostWindow();
  ASSERT_FALSE(window.empty());
  auto viewer = host.Browser(); // a viewer watches, as it would
  Xdotool("mousemove --window " + window + " 300 240 mousedown 1 mousemove --window " + window + " 320 240");
  std::this_thread::sleep_for(500ms);
  const long capturedBefore = Captured(host.Address);
  const DecodedImage before = Snapshot(host.Address);
  EXPECT_GT(capturedBefore, 1) << "the local drag rendered";
  std::this_thread::sleep_for(2s);
  EXPECT_EQ(Captured(host.Address), capturedBefore) << "frames rendered while the button was held still";
  EXPECT_LT(ChangedShare(before, Snapshot(host.Address)), 0.001) << "the picture moved";
  Xdotool("mouseup 1");
  ::kill(host.App.Pid, SIGTERM);
  EXPECT_TRUE(WaitForReport(host.App).Ok);
}

// Holds the left button 1.5 s off the centre (60 px right) with the local mouse: the joystick
// turns at a speed of its own. Returns HostApp's degrees per second.
double JoystickSpeed(bool stream)
{
  // A small window: the style's own 10 ms timer, not the two shared cores, sets the pace.
  std::vector<std::string> args = { "--style", "joystick", "--size", "320x240", "--seconds", "20" };
  if (stream)
  {
    args.insert(args.begin(), "--stream");
  }
  AppProcess app = HostApp(args);
  const std::string ready = app.ReadLine(30s);
  std::unique_ptr<MjpegClient> viewer;
  if (stream)
  {
    const Url url = ParseReadyLine(ready);
    viewer = std::make_unique<MjpegClient>(url.Port, "/stream.mjpeg?token=" + url.Token);
  }
  const std::string window = HostWindow();
  Xdotool("mousemove --window " + window + " 220 120 mousedown 1 sleep 1.5 mouseup 1");
  ::kill(app.Pid, SIGTERM);
  const HostReport report = WaitForReport(app);
  EXPECT_GT(report.DegreesPerSecond, 1.0) << "the joystick turned";
  return report.DegreesPerSecond;
}

TEST(Transparency, JoystickTurnsAtTheSameSpeedWithAndWithoutStreaming)
{
  // Alternating pairs, averaged: the joystick turns once per render, and renders here share
  // two cores with everything else, so a single run varies by about 10 %.
  double alone = 0, streaming = 0;
  for (int round = 0; round < 2; ++round)
  {
    alone += JoystickSpeed(false) / 2;
    streaming += JoystickSpeed(true) / 2;
  }
  std::cout << "joystick: " << alone << " deg/s alone, " << streaming << " deg/s streaming\n";
  EXPECT_NEAR(streaming / alone, 1.0, 0.1);
}

// An app whose 100 ms timer callback ignores the timer id, as VTK's examples do.
double HostCallbacksPerSecond(bool stream)
{
  std::vector<std::string> args = { "--offscreen", "--timer-ms", "100", "--seconds", "3" };
  if (stream)
  {
    args.insert(args.begin(), "--stream");
  }
  AppProcess app = HostApp(args);
  const Url url = ParseReadyLine(app.ReadLine(30s));
  std::unique_ptr<WsClient> viewer;
  if (stream)
  {
    viewer = std::make_unique<WsClient>(url.Port, "/ws?token=" + url.Token, "http://127.0.0.1:" + std::to_string(url.Port));
    EXPECT_TRUE(viewer->Open());
  }
  const HostReport report = WaitForReport(app);
  return report.Seconds > 0 ? report.Callbacks / report.Seconds : 0;
}

TEST(Transparency, HostTimerCallbacksRunAtTheSameRateWithAndWithoutStreaming)
{
  const double alone = HostCallbacksPerSecond(false);
  const double streaming = HostCallbacksPerSecond(true);
  std::cout << "host timer: " << alone << " callbacks/s alone, " << streaming << " streaming\n";
  EXPECT_NEAR(alone, 10.0, 1.5) << "a 100 ms timer";
  EXPECT_NEAR(streaming / alone, 1.0, 0.1);
}

// An app that renders as fast as it can from its own 1 ms timer: every frame it renders is
// captured, and a viewer that keeps up receives (nearly) every one.
TEST(Transparency, EveryFrameTheHostRendersReachesTheViewers)
{
  StreamingHost host({ "--stream", "--offscreen", "--spheres", "--size", "1280x720", "--timer-ms", "1",
    "--render-on-timer", "--seconds", "8" });
  ASSERT_NE(host.Address.Port, 0);
  const Url url = host.Address;
  MjpegClient mjpeg(url.Port, "/stream.mjpeg?token=" + url.Token);
  ASSERT_EQ(mjpeg.Status, 200);
  auto ws = host.Browser();
  std::string frame;
  ASSERT_TRUE(mjpeg.NextPart(frame));
  ASSERT_TRUE(ws->ReadFrame(frame));

  std::atomic<bool> stop{ false };
  std::atomic<long> mjpegFrames{ 0 }, wsFrames{ 0 };
  std::thread mjpegReader([&] {
    std::string part;
    while (!stop && mjpeg.NextPart(part))
    {
      ++mjpegFrames;
    }
  });
  std::thread wsReader([&] {
    std::string jpeg;
    while (!stop && ws->ReadFrame(jpeg))
    {
      ++wsFrames;
    }
  });
  const long capturedStart = Captured(url);
  const long mjpegStart = mjpegFrames, wsStart = wsFrames;
  std::this_thread::sleep_for(3s);
  const long rendered = Captured(url) - capturedStart;
  const long toMjpeg = mjpegFrames - mjpegStart, toWs = wsFrames - wsStart;
  stop = true;
  std::cout << "rendered " << rendered << " frames in 3 s; MJPEG received " << toMjpeg
            << ", WebSocket " << toWs << "\n";
  EXPECT_GT(rendered, 6) << "the host renders continuously";
  EXPECT_GE(double(toMjpeg), 0.8 * rendered);
  EXPECT_GE(double(toWs), 0.8 * rendered);

  // Every render the app counted was captured (the one before Start() shows as the first).
  const HostReport report = WaitForReport(host.App); // the streams end with the app
  mjpegReader.join();
  wsReader.join();
  EXPECT_NEAR(report.Captured, report.Renders, 1);
}
} // namespace
