// renderstream-server /ws: frames out as binary JPEG messages, JSON input events in.
#include "RefusalLog.h"
#include "ServerProcess.h"
#include "TestClient.h"

#include <gtest/gtest.h>
#include <algorithm>
#include <atomic>
#include <map>
#include <thread>
#include <nlohmann/json.hpp>

using namespace renderstream::testing;
using renderstream::ipc::EventType;
using renderstream::ipc::InputEvent;
using namespace std::chrono_literals;

namespace
{
constexpr std::uint32_t kW = 160;
constexpr std::uint32_t kH = 120;
} // namespace

TEST(ServerWebSocket, HelloThenOneCompleteJpegPerBinaryMessage)
{
  ServerProcess server;
  server.PublishPattern(kW, kH, 1);
  ASSERT_TRUE(server.WaitEncoded(1)); // so that the hello knows the frame size
  WsClient ws(server.Port, server.Url("/ws", server.Token));
  ASSERT_TRUE(ws.Open()) << ws.HandshakeStatus;
  std::string data;
  bool text = false;
  ASSERT_TRUE(ws.Read(data, text));
  ASSERT_TRUE(text);
  const auto hello = nlohmann::json::parse(data, nullptr, false);
  EXPECT_EQ(hello["type"], "hello");
  EXPECT_EQ(hello["viewOnly"], false);
  EXPECT_EQ(hello["width"], kW);
  EXPECT_EQ(hello["height"], kH);
  EXPECT_EQ(hello["maxWidth"], 320);
  EXPECT_EQ(hello["maxHeight"], 240);
  std::vector<std::string> frames;
  std::thread producer([&] {
    for (int i = 2; i <= 5; ++i)
    {
      std::this_thread::sleep_for(60ms);
      server.PublishPattern(kW, kH, i);
    }
  });
  std::string jpeg;
  while (frames.size() < 4 && ws.ReadFrame(jpeg))
  {
    frames.push_back(jpeg);
  }
  producer.join();
  ASSERT_EQ(frames.size(), 4u);
  for (const auto& frame : frames)
  {
    EXPECT_TRUE(IsCompleteJpeg(frame));
    const DecodedImage image = DecodeJpeg(frame);
    EXPECT_TRUE(image.Ok);
    EXPECT_EQ(image.Width, int(kW));
    EXPECT_EQ(image.Height, int(kH));
  }
}

TEST(ServerWebSocket, EventsComeOutOfTheRingInOrderWithTheirFields)
{
  ServerProcess server;
  WsClient ws(server.Port, server.Url("/ws", server.Token));
  ASSERT_TRUE(ws.Open());
  const std::vector<std::string> messages = {
    R"({"type":"pointer","action":"down","x":0.25,"y":0.5,"button":0,"ctrl":true})",
    R"({"type":"pointer","action":"move","x":0.3,"y":0.55,"shift":true})",
    R"({"type":"pointer","action":"up","x":0.35,"y":0.6,"button":2,"detail":2})",
    R"({"type":"wheel","x":0.5,"y":0.5,"dy":-1.0})",
    R"({"type":"key","action":"down","key":"r","code":"KeyR","alt":true})",
    R"({"type":"key","action":"up","key":"r","code":"KeyR"})",
    R"({"type":"resize","width":300,"height":200})",
    R"({"type":"action","name":"resetCamera"})",
    R"({"type":"action","name":"style","value":"joystick"})",
  };
  for (const auto& m : messages)
  {
    ASSERT_TRUE(ws.SendText(m));
  }
  const auto events = PopEvents(server, messages.size());
  ASSERT_EQ(events.size(), messages.size());
  EXPECT_EQ(events[0].Type, EventType::PointerDown);
  EXPECT_FLOAT_EQ(events[0].X, 0.25f);
  EXPECT_FLOAT_EQ(events[0].Y, 0.5f);
  EXPECT_EQ(events[0].Modifiers, renderstream::ipc::ModCtrl);
  EXPECT_EQ(events[1].Type, EventType::PointerMove);
  EXPECT_EQ(events[1].Modifiers, renderstream::ipc::ModShift);
  EXPECT_EQ(events[2].Type, EventType::PointerUp);
  EXPECT_EQ(events[2].Button, 2);
  EXPECT_EQ(events[2].RepeatCount, 1);
  EXPECT_EQ(events[3].Type, EventType::Wheel);
  EXPECT_FLOAT_EQ(events[3].Delta, -1.f);
  EXPECT_EQ(events[4].Type, EventType::KeyDown);
  EXPECT_STREQ(events[4].Key, "r");
  EXPECT_STREQ(events[4].Code, "KeyR");
  EXPECT_EQ(events[4].Modifiers, renderstream::ipc::ModAlt);
  EXPECT_EQ(events[5].Type, EventType::KeyUp);
  EXPECT_EQ(events[6].Type, EventType::Resize);
  EXPECT_EQ(events[6].Width, 300u);
  EXPECT_EQ(events[6].Height, 200u);
  EXPECT_EQ(events[7].Type, EventType::ResetCamera);
  EXPECT_EQ(events[8].Type, EventType::InteractionStyle);
  EXPECT_EQ(events[8].Key[0], 'j');
  for (std::size_t i = 0; i < events.size(); ++i)
  {
    EXPECT_GT(events[i].TimeNs, 0);
    if (i > 0)
    {
      EXPECT_GE(events[i].TimeNs, events[i - 1].TimeNs);
    }
  }
  EXPECT_EQ(GetStats(server.Port, server.Token)["input"]["accepted"], messages.size());
}

TEST(ServerWebSocket, ViewTokenInputIsDroppedAndCounted)
{
  ServerProcess server;
  WsClient ws(server.Port, server.Url("/ws", server.ViewToken));
  ASSERT_TRUE(ws.Open());
  std::string data;
  bool text = false;
  ASSERT_TRUE(ws.Read(data, text));
  EXPECT_EQ(nlohmann::json::parse(data)["viewOnly"], true);
  for (int i = 0; i < 5; ++i)
  {
    ASSERT_TRUE(ws.SendText(R"({"type":"pointer","action":"move","x":0.5,"y":0.5})"));
  }
  const auto stats = WaitForStats(server.Port, server.Token,
    [](const nlohmann::json& s) { return s["input"]["viewOnlyDropped"] >= 5; });
  EXPECT_TRUE(PopEvents(server, 1, 200ms).empty());
  EXPECT_EQ(stats["input"]["viewOnlyDropped"], 5);
  EXPECT_EQ(stats["input"]["accepted"], 0);
}

TEST(ServerWebSocket, ViewOnlyOptionAppliesToTheFullToken)
{
  ServerProcess server({ "--view-only" });
  WsClient ws(server.Port, server.Url("/ws", server.Token));
  ASSERT_TRUE(ws.Open());
  std::string data;
  bool text = false;
  ASSERT_TRUE(ws.Read(data, text));
  EXPECT_EQ(nlohmann::json::parse(data)["viewOnly"], true);
  ASSERT_TRUE(ws.SendText(R"({"type":"action","name":"resetCamera"})"));
  EXPECT_TRUE(PopEvents(server, 1, 300ms).empty());
}

TEST(ServerWebSocket, UpgradeNeedsTokenAndMatchingOrigin)
{
  ServerProcess server({ "--allow-origin", "http://viewer.example:8080" });
  const std::string own = "http://127.0.0.1:" + std::to_string(server.Port);
  EXPECT_EQ(UpgradeStatus(server.Port, "/ws"), 401);
  EXPECT_EQ(UpgradeStatus(server.Port, "/ws?token=wrong"), 401);
  EXPECT_EQ(UpgradeStatus(server.Port, server.Url("/ws", server.Token), "http://evil.example"), 403);
  EXPECT_EQ(UpgradeStatus(server.Port, server.Url("/ws", server.Token), own + "0"), 403);
  EXPECT_EQ(UpgradeStatus(server.Port, server.Url("/ws", server.Token), own), 101);
  EXPECT_EQ(UpgradeStatus(server.Port, server.Url("/ws", server.Token), "http://viewer.example:8080"), 101);
  EXPECT_EQ(HttpGet(server.Port, server.Url("/ws", server.Token)).Status, 426);
  WsClient sameOrigin(server.Port, server.Url("/ws", server.Token), own);
  EXPECT_TRUE(sameOrigin.Open());
}

TEST(ServerWebSocket, RefusalsAreCountedByCauseAndLoggedOnceAMinuteWithTheFix)
{
  ServerProcess server;
  const std::string ws = server.Url("/ws", server.Token);
  for (int i = 0; i < 3; ++i) // a page retrying: one log line, three counted
  {
    EXPECT_EQ(UpgradeStatus(server.Port, ws, "https://viz.example:8443"), 403);
  }
  EXPECT_EQ(UpgradeStatus(server.Port, "/ws?token=wrong"), 401);
  // A proxy that drops the Host header.
  const std::string noHost = RawExchange(server.Port, "GET " + ws + " HTTP/1.1\r\nUpgrade: websocket\r\n"
    "Connection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n"
    "Origin: https://viz.example\r\n\r\n");
  EXPECT_EQ(RawStatus(noHost), 403);
  EXPECT_NE(noHost.find("the request has no Host header. Behind a proxy, forward the Host header"), std::string::npos) << noHost;
  const auto stats = GetStats(server.Port, server.Token);
  EXPECT_EQ(stats["refused"]["origin"], 4);
  EXPECT_EQ(stats["refused"]["token"], 1);
  EXPECT_EQ(stats["refused"]["maxClients"], 0);
  const HttpReply metrics = HttpGet(server.Port, server.Url("/metrics", server.Token));
  EXPECT_NE(metrics.Body.find("renderstream_refused_total{cause=\"origin\"} 4\n"), std::string::npos) << metrics.Body;
  std::this_thread::sleep_for(100ms);
  const std::string log = server.Stderr();
  std::size_t lines = 0;
  for (std::size_t at = log.find("refused 127.0.0.1: a WebSocket"); at != std::string::npos;
       at = log.find("refused 127.0.0.1: a WebSocket", at + 1))
  {
    ++lines;
  }
  EXPECT_EQ(lines, 1u) << "once a minute per cause and client: " << log;
  EXPECT_NE(log.find("a page at https://viz.example:8443, which is not this server (Host 127.0.0.1:"), std::string::npos) << log;
  EXPECT_NE(log.find("proxy_set_header Host $http_host"), std::string::npos) << log;
  EXPECT_NE(log.find("refused 127.0.0.1: a wrong token for /ws"), std::string::npos) << log;
}

TEST(ServerWebSocket, PostToWsSaysWhetherAnUpgradeWouldBeAcceptedAndWhyNot)
{
  // What the page asks when its WebSocket failed: the same checks, answered, not counted.
  ServerProcess server({ "--max-clients", "1" });
  const std::string ws = server.Url("/ws", server.Token);
  const auto probe = [&](const std::string& target, const std::string& origin) {
    std::map<std::string, std::string> headers;
    if (!origin.empty())
    {
      headers["Origin"] = origin;
    }
    return HttpRequest(server.Port, target, headers, "POST");
  };
  const std::string own = "http://127.0.0.1:" + std::to_string(server.Port);
  EXPECT_EQ(probe(ws, own).Status, 204);
  const HttpReply origin = probe(ws, "https://elsewhere.example");
  EXPECT_EQ(origin.Status, 403);
  EXPECT_NE(origin.Body.find("not this server (Host 127.0.0.1:"), std::string::npos) << origin.Body;
  EXPECT_EQ(probe("/ws?token=wrong", own).Status, 401);
  WsClient viewer(server.Port, ws);
  ASSERT_TRUE(viewer.Open());
  const HttpReply full = probe(ws, own);
  EXPECT_EQ(full.Status, 503);
  EXPECT_NE(full.Body.find("--max-clients"), std::string::npos) << full.Body;
  const auto stats = GetStats(server.Port, server.Token);
  EXPECT_EQ(stats["refused"]["origin"], 0) << "probes are not refusals";
  EXPECT_EQ(stats["refused"]["token"], 0);
  EXPECT_EQ(stats["refused"]["maxClients"], 0);
}

TEST(RefusalLog, OneLinePerCauseAndClientAMinute)
{
  renderstream::server::RefusalLog log;
  const auto t = std::chrono::steady_clock::now();
  EXPECT_TRUE(log.ShouldLog("origin", "10.0.0.1", t));
  EXPECT_FALSE(log.ShouldLog("origin", "10.0.0.1", t + 59s));
  EXPECT_TRUE(log.ShouldLog("token", "10.0.0.1", t + 1s)) << "another cause";
  EXPECT_TRUE(log.ShouldLog("origin", "10.0.0.2", t + 1s)) << "another client";
  EXPECT_TRUE(log.ShouldLog("origin", "10.0.0.1", t + 60s)) << "a minute later";
  for (int i = 0; i < 5000; ++i) // a flood of addresses stays bounded
  {
    log.ShouldLog("origin", "192.168." + std::to_string(i / 256) + "." + std::to_string(i % 256), t + 61s);
  }
  EXPECT_TRUE(log.ShouldLog("origin", "10.0.0.3", t + 62s));
}

TEST(ServerWebSocket, OriginsCompareInCanonicalFormPortIncluded)
{
  // As a user copies them from the address bar: a trailing slash, a default port, capitals.
  ServerProcess server({ "--allow-origin", "https://viz.example:8443/", "--allow-origin", "HTTPS://Other.Example:443" });
  const auto status = [&](const std::string& origin) {
    return UpgradeStatus(server.Port, server.Url("/ws", server.Token), origin);
  };
  EXPECT_EQ(status("https://viz.example:8443"), 101);
  EXPECT_EQ(status("https://other.example"), 101);
  EXPECT_EQ(status("https://VIZ.example:8443"), 101);
  EXPECT_EQ(status("http://127.0.0.1:" + std::to_string(server.Port)), 101);
  // The same host on another port is another origin (it may be another user's server).
  EXPECT_EQ(status("https://viz.example"), 403);
  EXPECT_EQ(status("https://viz.example:8444"), 403);
  EXPECT_EQ(status("http://viz.example:8443"), 403);
  EXPECT_EQ(status("http://127.0.0.1"), 403);
  EXPECT_EQ(status("http://127.0.0.1:" + std::to_string(server.Port + 1)), 403);
  EXPECT_EQ(status("null"), 403);
  EXPECT_EQ(status("https://viz.example:8443/page"), 403);
}

TEST(ServerWebSocket, MalformedMessagesAreCountedAndIgnored)
{
  ServerProcess server;
  WsClient ws(server.Port, server.Url("/ws", server.Token));
  ASSERT_TRUE(ws.Open());
  const std::vector<std::string> bad = {
    "not json",
    "{\"type\":",
    "[1,2,3]",
    "null",
    R"({"type":"teleport"})",
    R"({"kind":"pointer"})",
    R"({"type":"pointer","action":"move","x":1e999,"y":0.5})",
    R"({"type":"pointer","action":"move","x":1.01,"y":0.5})",
    R"({"type":"pointer","action":"move","x":0.5})",
    R"({"type":"pointer","action":"down","x":0.5,"y":0.5,"button":7})",
    R"({"type":"pointer","action":"down","x":0.5,"y":0.5,"button":"left"})",
    R"({"type":"pointer","action":"move","x":0.5,"y":0.5,"meta":1})",
    R"({"type":"wheel","x":0.5,"y":0.5,"dy":"up"})",
    R"({"type":"wheel","x":0.5,"y":0.5,"dy":-1e400})",
    R"({"type":"key","action":"down","key":"AVeryLongKeyNameIndeed","code":"KeyR"})",
    R"({"type":"key","action":"down","code":"KeyR"})",
    R"({"type":"resize","width":0,"height":100})",
    R"({"type":"resize","width":100,"height":100000})",
    R"({"type":"resize","width":"100","height":100})",
    R"({"type":"action","name":"rm -rf"})",
    R"({"type":"action","name":"style","value":"orbit"})",
    std::string(3000, '{'),
  };
  for (const auto& m : bad)
  {
    ASSERT_TRUE(ws.SendText(m)) << m;
  }
  // A good one afterwards goes through: the socket stayed open.
  ASSERT_TRUE(ws.SendText(R"({"type":"action","name":"resetCamera"})"));
  const auto events = PopEvents(server, 1);
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].Type, EventType::ResetCamera);
  const auto stats = GetStats(server.Port, server.Token);
  EXPECT_EQ(stats["input"]["rejected"], bad.size());
  EXPECT_EQ(stats["input"]["accepted"], 1);
}

TEST(ServerWebSocket, OversizedMessageClosesWith1009)
{
  ServerProcess server;
  WsClient ws(server.Port, server.Url("/ws", server.Token));
  ASSERT_TRUE(ws.Open());
  ws.SendText(R"({"type":"key","action":"down","key":")" + std::string(5 * 1024, 'k') + "\"}");
  EXPECT_EQ(ws.WaitForClose(), 1009);
  EXPECT_EQ(HttpGet(server.Port, server.Url("/stats", server.Token)).Status, 200);
  {
    WsClient again(server.Port, server.Url("/ws", server.Token));
    EXPECT_TRUE(again.Open());
  } // Said once, with the client's address; an ordinary end says nothing.
  std::this_thread::sleep_for(std::chrono::milliseconds(200));
  WsClient third(server.Port, server.Url("/ws", server.Token));
  ASSERT_TRUE(third.Open());
  third.SendText(R"({"type":"key","action":"down","key":")" + std::string(5 * 1024, 'k') + "\"}");
  EXPECT_EQ(third.WaitForClose(), 1009);
  const auto stats = WaitForStats(server.Port, server.Token,
    [](const nlohmann::json& s) { return s["http"]["sessionErrors"] >= 2; }); // once it has left
  const std::string err = server.Stderr();
  const std::string line = "renderstream-server: the WebSocket session of 127.0.0.1:";
  EXPECT_NE(err.find(line), std::string::npos) << err;
  EXPECT_EQ(err.find(line), err.rfind(line)) << "once a minute per client and cause:\n" << err;
  EXPECT_EQ(stats["http"]["sessionErrors"].get<int>(), 2);
}

// Beast bounds a message's payload but takes empty continuation frames itself: without a
// bound on the bytes a message takes on the wire, one could go on for ever.
TEST(ServerWebSocket, EndlessEmptyContinuationFramesCloseWith1009)
{
  ServerProcess server;
  server.PublishPattern(kW, kH, 1);
  {
    // What must keep working: a message fragmented into a thousand one-byte frames.
    WsClient ws(server.Port, server.Url("/ws", server.Token));
    ASSERT_TRUE(ws.Open());
    const std::string message = R"({"type":"pointer","action":"move","x":0.25,"y":0.75})" + std::string(950, ' ');
    for (std::size_t i = 0; i + 1 < message.size(); ++i)
    {
      ASSERT_TRUE(ws.SendFrame(false, message.substr(i, 1)));
    }
    ASSERT_TRUE(ws.SendFrame(true, message.substr(message.size() - 1)));
    std::string frame;
    EXPECT_TRUE(ws.ReadFrameFor(frame, 2000ms)) << "still open";
    ASSERT_EQ(PopEvents(server, 1).size(), 1u);
    EXPECT_EQ(GetStats(server.Port, server.Token)["input"]["accepted"], 1) << "and taken as one event";
  }
  WsClient ws(server.Port, server.Url("/ws", server.Token));
  ASSERT_TRUE(ws.Open());
  ASSERT_TRUE(ws.SendFrame(false, "{"));
  for (int i = 0; i < 20000; ++i) // 6 bytes each (header and mask): 117 KiB
  {
    ASSERT_TRUE(ws.SendFrame(false, ""));
  }
  ws.SetTimeout(5s); // well before the 20 s idle timeout, which would close it too (1006)
  EXPECT_EQ(ws.WaitForClose(), 1009);
  EXPECT_NE(server.Stderr().find("a message took over 64 KiB of frames"), std::string::npos) << server.Stderr();
  // The server goes on serving others.
  WsClient next(server.Port, server.Url("/ws", server.Token));
  std::string frame;
  EXPECT_TRUE(next.Open() && next.ReadFrameFor(frame, 2000ms));
}

namespace
{
std::string Move(double x, double y)
{
  return R"({"type":"pointer","action":"move","x":)" + std::to_string(x) + R"(,"y":)" + std::to_string(y) + "}";
}
} // namespace

// A person's pace (120 moves a second) passes untouched; a flood of moves is merged into the
// newest, and neither the buttons inside it nor the last position are ever lost.
TEST(ServerWebSocket, InputOverTheRateIsCoalescedNeverLost)
{
  ServerProcess server;
  WsClient ws(server.Port, server.Url("/ws", server.Token));
  ASSERT_TRUE(ws.Open());
  for (int i = 0; i < 60; ++i)
  {
    ASSERT_TRUE(ws.SendText(Move(i / 60.0, 0.5)));
    std::this_thread::sleep_for(8ms); // the pace is what this part tests
  }
  EXPECT_EQ(PopUntilQuiet(server).size(), 60u) << "a person's pace is never coalesced";
  EXPECT_EQ(GetStats(server.Port, server.Token)["input"]["rateLimited"], 0);

  ASSERT_TRUE(ws.SendText(R"({"type":"pointer","action":"down","x":0.1,"y":0.1,"button":0})"));
  constexpr int kFlood = 2000;
  for (int i = 1; i <= kFlood; ++i)
  {
    ASSERT_TRUE(ws.SendText(Move(0.1 + 0.8 * i / kFlood, 0.2)));
  }
  ASSERT_TRUE(ws.SendText(R"({"type":"pointer","action":"up","x":0.9,"y":0.2,"button":0})"));
  for (int i = 0; i < 400; ++i)
  {
    ASSERT_TRUE(ws.SendText(Move(0.5, 0.3 + 0.0001 * i)));
  }
  ASSERT_TRUE(ws.SendText(Move(0.77, 0.66)));
  const std::vector<InputEvent> events = PopUntilQuiet(server);
  ASSERT_GE(events.size(), 4u);
  const auto count = [&](EventType type) {
    return std::count_if(events.begin(), events.end(), [&](const InputEvent& e) { return e.Type == type; });
  };
  EXPECT_EQ(count(EventType::PointerDown), 1);
  EXPECT_EQ(count(EventType::PointerUp), 1) << "the release always gets through";
  EXPECT_LT(count(EventType::PointerMove), kFlood) << "moves over the rate are merged";
  const auto up = std::find_if(events.begin(), events.end(), [](const InputEvent& e) { return e.Type == EventType::PointerUp; });
  ASSERT_NE(up, events.begin());
  EXPECT_EQ(std::prev(up)->Type, EventType::PointerMove);
  EXPECT_FLOAT_EQ(std::prev(up)->X, 0.9f) << "the button lands where the pointer last was";
  EXPECT_EQ(events.back().Type, EventType::PointerMove);
  EXPECT_FLOAT_EQ(events.back().X, 0.77f) << "the final state gets through";
  EXPECT_FLOAT_EQ(events.back().Y, 0.66f);
  const nlohmann::json stats = GetStats(server.Port, server.Token);
  EXPECT_GT(stats["input"]["rateLimited"].get<long>(), 0);
  EXPECT_EQ(stats["input"]["accepted"].get<std::size_t>(), 60 + events.size());
  EXPECT_EQ(stats["input"]["floods"], 0);
}

// Far over the rate with what cannot be merged: closed with 1008, counted, nothing else hurt.
TEST(ServerWebSocket, AClientFloodingFarOverTheRateIsClosedWith1008)
{
  ServerProcess server;
  WsClient ws(server.Port, server.Url("/ws", server.Token));
  ASSERT_TRUE(ws.Open());
  // A flood is a burst (600, WebSocketSession::kInputBurst) beyond the budget (another 600):
  // twice that, so that a server slowed down mid-burst, its budget refilling at 300/s, still
  // sees one.
  for (int i = 0; i < 2400; ++i)
  {
    if (!ws.SendText(R"({"type":"wheel","x":0.5,"y":0.5,"dy":1})"))
    {
      break; // closed under us
    }
  }
  EXPECT_EQ(ws.WaitForClose(), 1008);
  const nlohmann::json stats = GetStats(server.Port, server.Token);
  EXPECT_EQ(stats["input"]["floods"], 1);
  EXPECT_GE(stats["input"]["accepted"].get<long>(), 1000) << "what came within the budget went through";
  WsClient next(server.Port, server.Url("/ws", server.Token));
  EXPECT_TRUE(next.Open()) << "the server serves on";
}

TEST(ServerWebSocket, BinaryMessageClosesWith1003)
{
  ServerProcess server;
  WsClient ws(server.Port, server.Url("/ws", server.Token));
  ASSERT_TRUE(ws.Open());
  ASSERT_TRUE(ws.SendBinary(std::string("\x01\x02\x03", 3)));
  EXPECT_EQ(ws.WaitForClose(), 1003);
  EXPECT_EQ(HttpGet(server.Port, server.Url("/stats", server.Token)).Status, 200);
}

TEST(ServerWebSocket, ViewerCountFollowsConnections)
{
  ServerProcess server;
  {
    WsClient a(server.Port, server.Url("/ws", server.Token));
    WsClient b(server.Port, server.Url("/ws", server.ViewToken));
    ASSERT_TRUE(a.Open() && b.Open());
    std::this_thread::sleep_for(100ms);
    EXPECT_EQ(server.Segment->Viewers(), 2u);
    EXPECT_EQ(GetStats(server.Port, server.Token)["clients"], 2);
  }
  const auto deadline = std::chrono::steady_clock::now() + 3s;
  while (server.Segment->Viewers() != 0 && std::chrono::steady_clock::now() < deadline)
  {
    std::this_thread::sleep_for(20ms);
  }
  EXPECT_EQ(server.Segment->Viewers(), 0u);
}

TEST(ServerWebSocket, StillFrameWaitsUntilInputStopsThenArrivesOnce)
{
  ServerProcess server; // --quality 80, --still-quality 92
  WsClient ws(server.Port, server.Url("/ws", server.Token));
  ASSERT_TRUE(ws.Open());
  server.PublishPattern(kW, kH, 1);
  std::string interactive;
  ASSERT_TRUE(ws.ReadFrame(interactive));
  // Input keeps flowing for ~1 s without new frames: no still yet. (A still follows 300 ms
  // of quiet: moves every 40 ms leave a loaded machine most of that as a margin.)
  for (int i = 0; i < 25; ++i)
  {
    ASSERT_TRUE(ws.SendText(R"({"type":"pointer","action":"move","x":0.5,"y":0.5})"));
    std::this_thread::sleep_for(40ms);
  }
  EXPECT_EQ(GetStats(server.Port, server.Token)["frames"]["stills"], 0);
  // Input stops: one still frame, higher quality, same picture.
  std::string still;
  ASSERT_TRUE(ws.ReadFrame(still));
  EXPECT_TRUE(IsCompleteJpeg(still));
  EXPECT_GT(still.size(), interactive.size());
  const DecodedImage image = DecodeJpeg(still);
  EXPECT_EQ(image.Width, int(kW));
  std::this_thread::sleep_for(700ms);
  const auto stats = GetStats(server.Port, server.Token);
  EXPECT_EQ(stats["frames"]["stills"], 1);
  EXPECT_EQ(stats["frames"]["encoded"], 1);
}

namespace
{
// The "busy" statuses that arrive within `duration` (frames are skipped).
std::vector<int> BusyStatuses(WsClient& ws, std::chrono::milliseconds duration)
{
  std::vector<int> seconds;
  const auto deadline = std::chrono::steady_clock::now() + duration;
  std::string data;
  bool text = false;
  while (ws.ReadMessageUntil(data, text, deadline))
  {
    const auto message = text ? nlohmann::json::parse(data, nullptr, false) : nlohmann::json();
    if (message.is_object() && message["type"] == "busy")
    {
      seconds.push_back(message["seconds"].get<int>());
    }
  }
  return seconds;
}
} // namespace

// The application is busy (a long notebook cell, a slow filter): input waits and the viewer
// is told, once a second, then told when it is back. Neither an idle application nor one that
// keeps up with a steady drag is ever called busy.
TEST(ServerWebSocket, ViewersAreToldWhileInputWaitsOnABusyApplication)
{
  ServerProcess server;
  server.PublishPattern(kW, kH, 1);
  WsClient ws(server.Port, server.Url("/ws", server.Token));
  ASSERT_TRUE(ws.Open());
  const auto move = R"({"type":"pointer","action":"move","x":0.5,"y":0.5})";

  // Idle: no input, no sign of life for 2 s. Nothing to say.
  EXPECT_EQ(BusyStatuses(ws, 2000ms), std::vector<int>{});
  // Keeping up: every event is followed by a sign of life (what Tick() does).
  for (int i = 0; i < 20; ++i)
  {
    ASSERT_TRUE(ws.SendText(move));
    ASSERT_EQ(PopEvents(server, 1).size(), 1u); // what Tick() does: take it, then tick
    std::this_thread::sleep_for(50ms);
    server.Segment->MarkAlive();
  }
  EXPECT_EQ(BusyStatuses(ws, 1500ms), std::vector<int>{});
  EXPECT_EQ(GetStats(server.Port, server.Token)["app"]["busySeconds"], 0);

  // Busy: input, then silence. Told within about a second, then each second.
  ASSERT_TRUE(ws.SendText(move));
  const std::vector<int> busy = BusyStatuses(ws, 2600ms);
  ASSERT_GE(busy.size(), 1u);
  EXPECT_EQ(busy.front(), 1);
  EXPECT_EQ(busy.back(), static_cast<int>(busy.size())) << "one status a second";
  EXPECT_GE(GetStats(server.Port, server.Token)["app"]["busySeconds"], 1);
  EXPECT_NE(HttpGet(server.Port, server.Url("/metrics", server.Token)).Body.find("renderstream_app_busy_seconds "),
    std::string::npos);
  // Back: one "0", then nothing more. Statuses sent while the checks above ran (a loaded
  // machine) may still be on their way: they go on counting.
  server.Segment->MarkAlive();
  const std::vector<int> back = BusyStatuses(ws, 1500ms);
  ASSERT_FALSE(back.empty());
  EXPECT_EQ(back.back(), 0);
  EXPECT_EQ(std::count(back.begin(), back.end(), 0), 1) << "one 0, then nothing";
  for (std::size_t i = 0; i + 1 < back.size(); ++i)
  {
    EXPECT_EQ(back[i], busy.back() + 1 + static_cast<int>(i)) << "sent before it was back";
  }
  EXPECT_EQ(GetStats(server.Port, server.Token)["app"]["busySeconds"], 0);
}

namespace
{
using namespace std::chrono_literals;

// A client that sends input but never reads keeps no slot: once a write has made no progress
// for 10 s the server closes it, although incoming data keeps Beast's idle timer alive.
TEST(ServerWebSocket, AClientThatNeverReadsIsClosedWhateverItSends)
{
  ServerProcess server({}, 1280, 720);
  WsClient reader(server.Port, server.Url("/ws", server.Token)); // never reads
  ASSERT_TRUE(reader.Open());
  const auto start = std::chrono::steady_clock::now();
  std::uint64_t seq = 1;
  bool closed = false;
  while (!closed && std::chrono::steady_clock::now() - start < 40s)
  {
    server.PublishPattern(1280, 720, seq++); // a changing scene: a frame to write each time
    reader.SendText(R"({"type":"pointer","action":"move","x":0.5,"y":0.5})");
    std::this_thread::sleep_for(50ms);
    closed = GetStats(server.Port, server.Token)["clients"].get<int>() == 0;
  }
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  std::cout << "a client that never reads was closed after " << seconds << " s\n";
  EXPECT_TRUE(closed) << "it kept its slot for 40 s";
  EXPECT_NE(server.Stderr().find("has not read for 10 s"), std::string::npos) << server.Stderr();
}
} // namespace

TEST(ServerWebSocket, AcknowledgingClientsAreToldWhereTheirFramesTimeWentOthersAreNot)
{
  ServerProcess server;
  server.PublishPattern(kW, kH, 1);
  ASSERT_TRUE(server.WaitEncoded(1));
  WsClient acking(server.Port, server.Url("/ws", server.Token));
  WsClient silent(server.Port, server.Url("/ws", server.Token));
  ASSERT_TRUE(acking.Open() && silent.Open());
  // Frames keep coming for 2.5 s; the acking client acknowledges each, as the page does.
  std::vector<nlohmann::json> timings;
  int silentTexts = 0;
  std::atomic<bool> done{ false };
  std::thread silentReader([&] {
    std::string data;
    bool text = false;
    while (!done)
    {
      if (silent.ReadMessageUntil(data, text, std::chrono::steady_clock::now() + 100ms) && text &&
        data.find("\"timing\"") != std::string::npos)
      {
        ++silentTexts;
      }
    }
  });
  const auto end = std::chrono::steady_clock::now() + 2500ms;
  std::uint64_t seq = 2;
  auto nextFrame = std::chrono::steady_clock::now();
  while (std::chrono::steady_clock::now() < end)
  {
    if (std::chrono::steady_clock::now() >= nextFrame)
    {
      server.PublishPattern(kW, kH, seq++);
      nextFrame += 40ms;
    }
    std::string data;
    bool text = false;
    if (!acking.ReadMessageUntil(data, text, std::min(end, nextFrame)))
    {
      continue;
    }
    if (!text)
    {
      acking.SendText(R"({"type":"ack"})");
    }
    else if (auto msg = nlohmann::json::parse(data, nullptr, false); msg.value("type", "") == "timing")
    {
      timings.push_back(msg);
    }
  }
  const nlohmann::json stats = GetStats(server.Port, server.Token);
  done = true;
  silentReader.join();
  // About one a second (the first ack only starts the timing).
  ASSERT_GE(timings.size(), 1u);
  EXPECT_LE(timings.size(), 3u);
  for (const auto& t : timings)
  {
    for (const char* span : { "encodeMs", "queueMs", "networkMs" })
    {
      ASSERT_TRUE(t[span].is_number()) << t.dump();
      EXPECT_GE(t[span].get<double>(), 0) << span;
      EXPECT_LT(t[span].get<double>(), 1000) << span << ": a 160x120 frame on loopback";
    }
    EXPECT_GT(t["encodeMs"].get<double>(), 0) << "render end to encoded takes some time";
  }
  EXPECT_GT(stats["latency"]["encodeMs"].get<double>(), 0) << stats["latency"].dump();
  EXPECT_GT(stats["latency"]["networkMs"].get<double>(), 0) << stats["latency"].dump();
  EXPECT_EQ(silentTexts, 0) << "a client that does not acknowledge has no trip to time";
}
