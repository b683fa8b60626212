// Several people in one scene (ControlRoom, --control): one driver at a time with hand-over,
// names, presence and everyone's cursor, through real server processes and real WebSockets;
// this process plays the application and reads its event ring.
#include "DisplayName.h"
#include "ServerOptions.h"
#include "ServerProcess.h"
#include "TestClient.h"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <functional>
#include <map>
#include <memory>

using namespace renderstream::testing;
using renderstream::ipc::EventType;
using renderstream::ipc::InputEvent;
using Json = nlohmann::json;
using namespace std::chrono_literals;

namespace
{
constexpr std::uint32_t kW = 160;
constexpr std::uint32_t kH = 120;
// The implicit rule's idle time (ControlRoom::kIdle) and a margin for a loaded machine.
constexpr auto kPastIdle = 2300ms;

/// One viewer page: a WebSocket that remembers its hello and the newest presence it was told.
struct Page
{
  Page(ServerProcess& server, const std::string& token, const std::string& name = {})
    : Ws(std::make_unique<WsClient>(server.Port, server.Url("/ws", token)))
  {
    this->Hello = this->Next("hello");
    this->Id = this->Hello.value("id", 0u);
    if (!name.empty())
    {
      this->Send(Json{ { "type", "name" }, { "name", name } });
    }
  }

  void Send(const Json& message) { EXPECT_TRUE(this->Ws->SendText(message.dump())); }
  void Send(const std::string& raw) { EXPECT_TRUE(this->Ws->SendText(raw)); }

  /// The next text message of `type` that `accept` takes, within `timeout` (null if none);
  /// every presence on the way is remembered, and every message kept in Seen.
  Json Next(const std::string& type, std::function<bool(const Json&)> accept = {},
    std::chrono::milliseconds timeout = 3s)
  {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    std::string data;
    bool text = false;
    while (this->Ws->ReadMessageUntil(data, text, deadline))
    {
      if (!text)
      {
        continue;
      }
      Json message = Json::parse(data, nullptr, false);
      this->Seen.push_back(message);
      if (message.value("type", "") == "presence")
      {
        this->Presence = message;
      }
      if (message.value("type", "") == type && (!accept || accept(message)))
      {
        return message;
      }
    }
    return nullptr;
  }

  /// Waits until the newest presence satisfies `says`; true if it did.
  bool Sees(const std::function<bool(const Json&)>& says)
  {
    return (!this->Presence.is_null() && says(this->Presence)) || !this->Next("presence", says).is_null();
  }

  /// Waits until a presence says `driver` drives (0: nobody).
  bool SeesDriver(std::uint64_t driver)
  {
    return this->Sees([driver](const Json& p) { return driver ? p["driver"] == driver : p["driver"].is_null(); });
  }

  std::unique_ptr<WsClient> Ws;
  Json Hello;
  Json Presence;
  std::vector<Json> Seen;
  std::uint64_t Id = 0;
};

std::string Button(const char* action, double x, double y, int button = 0)
{
  return Json{ { "type", "pointer" }, { "action", action }, { "x", x }, { "y", y }, { "button", button } }.dump();
}

std::string KeyEvent(const char* action, const char* key, const char* code)
{
  return Json{ { "type", "key" }, { "action", action }, { "key", key }, { "code", code } }.dump();
}

Json ControlMessage(const char* action)
{
  return Json{ { "type", "control" }, { "action", action } };
}

std::uint64_t Counter(ServerProcess& server, const char* path)
{
  const Json stats = GetStats(server.Port, server.Token);
  const Json& value = stats[Json::json_pointer(path)];
  return value.is_number() ? value.get<std::uint64_t>() : 0;
}

/// The events of one drag at (x, y): down, two moves, up.
void Drag(Page& page, double x, double y)
{
  page.Send(Button("down", x, y));
  page.Send(Button("move", x + 0.1, y));
  page.Send(Button("move", x + 0.2, y));
  page.Send(Button("up", x + 0.2, y));
}

/// name -> role in a presence message.
std::map<std::string, std::string> Roles(const Json& presence)
{
  std::map<std::string, std::string> roles;
  for (const auto& p : presence["participants"])
  {
    roles[p["name"]] = p["role"];
  }
  return roles;
}

std::size_t CountType(const std::vector<InputEvent>& events, EventType type)
{
  return static_cast<std::size_t>(std::count_if(events.begin(), events.end(), [type](const InputEvent& e) { return e.Type == type; }));
}
} // namespace

TEST(DisplayName, TrimmedCutToThirtyTwoCharactersMarkupKeptControlsRefused)
{
  using renderstream::server::CheckDisplayName;
  EXPECT_EQ(CheckDisplayName("  Ada  ").Name, "Ada");
  EXPECT_EQ(CheckDisplayName("<img src=x onerror=alert(1)>").Name, "<img src=x onerror=alert(1)>");
  EXPECT_EQ(CheckDisplayName(std::string(40, 'x')).Name, std::string(32, 'x'));
  EXPECT_EQ(CheckDisplayName(std::string(10240, 'y')).Name, std::string(32, 'y'));
  EXPECT_EQ(CheckDisplayName("Zoë Ødegård").Name, "Zoë Ødegård");
  // 40 two-byte characters: cut at 32 characters, never inside one.
  std::string accents;
  for (int i = 0; i < 40; ++i)
  {
    accents += "é";
  }
  EXPECT_EQ(CheckDisplayName(accents).Name.size(), 64u);
  for (const std::string bad : { std::string("Ada\x07"), std::string("a\nb"), std::string("\xE2\x80\xAE" "evil"),
         std::string("\xC3"), std::string("\xC0\xAF"), std::string("   "), std::string() })
  {
    const auto check = CheckDisplayName(bad);
    EXPECT_FALSE(check.Error.empty()) << bad;
    EXPECT_TRUE(check.Name.empty()) << bad;
  }
}

TEST(ServerOptions, ControlIsOneByDefaultSharedOnRequestAndNothingElse)
{
  using renderstream::server::ControlMode;
  using renderstream::server::ServerOptions;
  const auto parse = [](std::vector<std::string> args, ServerOptions& options) {
    args.insert(args.begin(), { "renderstream-server", "--shm", "/x" });
    std::vector<char*> argv;
    for (auto& a : args)
    {
      argv.push_back(a.data());
    }
    std::string error;
    return ServerOptions::Parse(static_cast<int>(argv.size()), argv.data(), options, error);
  };
  ServerOptions one, shared, bad;
  EXPECT_EQ(parse({}, one), ServerOptions::Outcome::Run);
  EXPECT_EQ(one.Control, ControlMode::One);
  EXPECT_EQ(parse({ "--control", "shared" }, shared), ServerOptions::Outcome::Run);
  EXPECT_EQ(shared.Control, ControlMode::Shared);
  EXPECT_EQ(parse({ "--control", "all" }, bad), ServerOptions::Outcome::Usage);
}

// The first to press drives; while it does, the other page's drag reaches nothing in the
// application and is counted, and both pages are told who drives.
TEST(Control, TheFirstToInteractDrivesAndTheOtherPagesDragIsNotApplied)
{
  ServerProcess server;
  Page ada(server, server.Token, "Ada");
  Page bob(server, server.Token, "Bob");
  ada.Send(Button("down", 0.5, 0.5));
  ada.Send(Button("move", 0.6, 0.5));
  ASSERT_TRUE(bob.SeesDriver(ada.Id));
  const auto before = Counter(server, "/control/notApplied");
  Drag(bob, 0.2, 0.2);
  bob.Send(Json{ { "type", "wheel" }, { "x", 0.5 }, { "y", 0.5 }, { "dy", -1 } });
  ada.Send(Button("up", 0.6, 0.5));
  const auto events = PopUntilQuiet(server);
  ASSERT_EQ(events.size(), 3u); // Ada's down, move, up and nothing of Bob's
  EXPECT_EQ(events[0].Type, EventType::PointerDown);
  EXPECT_EQ(events[1].Type, EventType::PointerMove);
  EXPECT_EQ(events[2].Type, EventType::PointerUp);
  EXPECT_EQ(Counter(server, "/control/notApplied") - before, 5u);
  // A page's size is not steering: the newest one is applied whoever drives, as before.
  bob.Send(Json{ { "type", "resize" }, { "width", 200 }, { "height", 100 } });
  const auto resized = PopEvents(server, 1);
  ASSERT_EQ(resized.size(), 1u);
  EXPECT_EQ(resized[0].Type, EventType::Resize);
  const Json stats = GetStats(server.Port, server.Token);
  EXPECT_EQ(stats["control"]["mode"], "one");
  EXPECT_EQ(stats["control"]["driver"], "Ada");
  EXPECT_EQ(stats["control"]["driving"], 1);
  EXPECT_EQ(stats["control"]["handOvers"], 1);
  const auto metrics = HttpGet(server.Port, "/metrics?token=" + server.Token).Body;
  EXPECT_NE(metrics.find("renderstream_control_not_applied_total 5"), std::string::npos) << metrics;
  // Presence: names and roles; the full link sees addresses.
  const std::map<std::string, std::string> expected = { { "Ada", "driver" }, { "Bob", "participant" } };
  ASSERT_TRUE(bob.Sees([&](const Json& p) { return Roles(p) == expected; })) << bob.Presence.dump();
  for (const auto& p : bob.Presence["participants"])
  {
    EXPECT_EQ(p.value("address", ""), "127.0.0.1");
  }
}

// A driver's held button keeps control however long it is still; once it lets go and stays
// idle for 2 s, the next person to press takes over.
TEST(Control, AHeldButtonKeepsControlThenIdleHandsOverToWhoeverPresses)
{
  ServerProcess server;
  Page ada(server, server.Token, "Ada");
  Page bob(server, server.Token, "Bob");
  ada.Send(Button("down", 0.5, 0.5));
  ASSERT_TRUE(bob.SeesDriver(ada.Id));
  std::this_thread::sleep_for(kPastIdle);
  bob.Send(Button("down", 0.2, 0.2));
  bob.Send(Button("up", 0.2, 0.2));
  ada.Send(Button("up", 0.5, 0.5));
  auto events = PopUntilQuiet(server);
  ASSERT_EQ(events.size(), 2u);
  EXPECT_EQ(events[1].Type, EventType::PointerUp);
  EXPECT_FLOAT_EQ(events[1].X, 0.5f); // Ada's
  // Ada is idle now: after 2 s the next press takes control.
  std::this_thread::sleep_for(kPastIdle);
  bob.Send(Button("down", 0.2, 0.2));
  ASSERT_TRUE(ada.SeesDriver(bob.Id));
  events = PopUntilQuiet(server);
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].Type, EventType::PointerDown);
  EXPECT_FLOAT_EQ(events[0].X, 0.2f);
}

// Ask: the driver is told (once per 5 s per asker); give hands over at once, releasing the old
// driver's held button and key in the application before the new driver's first event.
TEST(Control, AskIsToldToTheDriverAndGiveHandsOverReleasingWhatTheOldDriverHeld)
{
  ServerProcess server;
  Page ada(server, server.Token, "Ada");
  Page bob(server, server.Token, "Bob");
  ada.Send(KeyEvent("down", "a", "KeyA"));
  ada.Send(Button("down", 0.4, 0.6, 2));
  ASSERT_TRUE(bob.SeesDriver(ada.Id));
  EXPECT_EQ(PopEvents(server, 2).size(), 2u);
  bob.Send(ControlMessage("ask"));
  const Json ask = ada.Next("ask");
  ASSERT_FALSE(ask.is_null());
  EXPECT_EQ(ask["id"], bob.Id);
  EXPECT_EQ(ask["name"], "Bob");
  bob.Send(ControlMessage("ask")); // again within 5 s: refused, the driver is not told twice
  const Json refused = bob.Next("refused");
  ASSERT_FALSE(refused.is_null());
  EXPECT_NE(refused["reason"].get<std::string>().find("5 s"), std::string::npos);
  EXPECT_EQ(Counter(server, "/control/requests"), 1u);

  ada.Send(ControlMessage("give"));
  ASSERT_TRUE(bob.SeesDriver(bob.Id));
  bob.Send(Button("down", 0.1, 0.1));
  ada.Send(Button("up", 0.4, 0.6, 2)); // too late: Ada no longer drives
  const auto events = PopUntilQuiet(server);
  ASSERT_EQ(events.size(), 3u);
  EXPECT_EQ(events[0].Type, EventType::PointerUp); // Ada's right button, where she held it
  EXPECT_EQ(events[0].Button, 2);
  EXPECT_FLOAT_EQ(events[0].X, 0.4f);
  EXPECT_EQ(events[1].Type, EventType::KeyUp);
  EXPECT_STREQ(events[1].Code, "KeyA");
  EXPECT_EQ(events[2].Type, EventType::PointerDown);
  EXPECT_FLOAT_EQ(events[2].X, 0.1f);
  EXPECT_EQ(Counter(server, "/control/handOvers"), 2u);
  for (const Json& seen : ada.Seen)
  {
    EXPECT_NE(seen.value("type", ""), "refused") << seen.dump(); // the driver was never refused
  }
}

// Keep: no implicit hand-over however idle the driver; release frees control for the next press.
TEST(Control, KeepStopsTheImplicitHandOverAndReleaseFreesControl)
{
  ServerProcess server;
  Page ada(server, server.Token, "Ada");
  Page bob(server, server.Token, "Bob");
  ada.Send(Button("down", 0.5, 0.5));
  ada.Send(Button("up", 0.5, 0.5));
  ada.Send(ControlMessage("keep"));
  ASSERT_FALSE(bob.Next("presence", [](const Json& p) { return p["kept"] == true; }).is_null());
  std::this_thread::sleep_for(kPastIdle);
  bob.Send(Button("down", 0.2, 0.2));
  bob.Send(Button("up", 0.2, 0.2));
  EXPECT_EQ(PopUntilQuiet(server).size(), 2u); // Ada's click only
  bob.Send(ControlMessage("release")); // not the driver: refused and counted
  ASSERT_FALSE(bob.Next("refused").is_null());
  EXPECT_EQ(Counter(server, "/control/refused"), 1u);

  ada.Send(ControlMessage("release"));
  ASSERT_TRUE(bob.SeesDriver(0));
  bob.Send(Button("down", 0.2, 0.2));
  ASSERT_TRUE(ada.SeesDriver(bob.Id));
  EXPECT_EQ(PopUntilQuiet(server).size(), 1u);
}

// A driver that closes its tab mid-drag frees control at once; its button is released before
// the next driver's first event (not at once: a page that reconnects goes on with its drag).
TEST(Control, ADriverThatDisconnectsFreesControlAtOnceItsButtonReleasedBeforeTheNextDriver)
{
  ServerProcess server;
  auto ada = std::make_unique<Page>(server, server.Token, "Ada");
  Page bob(server, server.Token, "Bob");
  ada->Send(Button("down", 0.3, 0.3));
  ASSERT_TRUE(bob.SeesDriver(ada->Id));
  ASSERT_EQ(PopEvents(server, 1).size(), 1u);
  ada->Ws->Drop();
  ASSERT_TRUE(bob.SeesDriver(0));
  EXPECT_TRUE(PopEvents(server, 1, 300ms).empty());
  bob.Send(Button("down", 0.7, 0.7)); // no 2 s wait
  const auto events = PopUntilQuiet(server);
  ASSERT_EQ(events.size(), 2u);
  EXPECT_EQ(events[0].Type, EventType::PointerUp);
  EXPECT_FLOAT_EQ(events[0].X, 0.3f);
  EXPECT_EQ(events[1].Type, EventType::PointerDown);
  EXPECT_FLOAT_EQ(events[1].X, 0.7f);
}

// A view-only viewer cannot drive, ask, give or keep (refused and counted), sees names but no
// addresses, and its cursor reaches the other pages, never the application.
TEST(Control, AViewOnlyViewerCannotTakeControlButItsCursorIsShownToOthers)
{
  ServerProcess server;
  Page ada(server, server.Token, "Ada");
  Page eve(server, server.ViewToken, "Eve");
  eve.Send(Button("down", 0.5, 0.5));
  for (const char* action : { "ask", "give", "keep", "release" })
  {
    eve.Send(ControlMessage(action));
    const Json refused = eve.Next("refused");
    ASSERT_FALSE(refused.is_null()) << action;
    EXPECT_NE(refused["reason"].get<std::string>().find("view-only"), std::string::npos);
  }
  EXPECT_EQ(Counter(server, "/control/refused"), 4u);
  eve.Send(Json{ { "type", "cursor" }, { "x", 0.25 }, { "y", 0.75 } });
  const Json cursor = ada.Next("cursor");
  ASSERT_FALSE(cursor.is_null());
  EXPECT_EQ(cursor["id"], eve.Id);
  EXPECT_EQ(cursor["name"], "Eve");
  EXPECT_DOUBLE_EQ(cursor["x"].get<double>(), 0.25);
  EXPECT_DOUBLE_EQ(cursor["y"].get<double>(), 0.75);
  eve.Send(Json{ { "type", "cursor" }, { "over", false } });
  EXPECT_FALSE(ada.Next("cursor", [](const Json& c) { return c["over"] == false; }).is_null());
  EXPECT_TRUE(PopUntilQuiet(server).empty());
  const std::map<std::string, std::string> expected = { { "Ada", "participant" }, { "Eve", "viewer" } };
  ASSERT_TRUE(eve.Sees([&](const Json& p) { return Roles(p) == expected; })) << eve.Presence.dump();
  for (const auto& p : eve.Presence["participants"])
  {
    EXPECT_FALSE(p.contains("address")) << p.dump();
  }
}

// Cursors: relayed to the other pages only, at most 20 a second per viewer (a short burst).
TEST(Control, CursorsGoToTheOtherPagesAtMostTwentyASecondNeverToTheApplication)
{
  ServerProcess server;
  Page ada(server, server.Token, "Ada");
  Page bob(server, server.Token, "Bob");
  for (int i = 0; i < 100; ++i)
  {
    ada.Send(Json{ { "type", "cursor" }, { "x", i / 100.0 }, { "y", 0.5 } });
  }
  ASSERT_FALSE(bob.Next("cursor").is_null());
  EXPECT_TRUE(ada.Next("cursor", {}, 300ms).is_null()); // never back to its sender
  EXPECT_TRUE(PopUntilQuiet(server).empty());
  const auto dropped = Counter(server, "/control/cursorsDropped");
  EXPECT_GE(dropped, 50u);
  EXPECT_LT(dropped, 100u);
}

// Names: shown as the text they are (markup too), refused with a reason when they hold
// control characters; /stats lists them.
TEST(Control, NamesAreTextHostileOnesRefusedWithAReason)
{
  ServerProcess server;
  Page ada(server, server.Token, "  <b>Ada</b>  ");
  ASSERT_FALSE(ada.Next("presence", [](const Json& p) { return p["participants"][0]["name"] == "<b>Ada</b>"; }).is_null())
    << ada.Presence.dump();
  ada.Send(Json{ { "type", "name" }, { "name", "Ada\u0007\u202e" } });
  const Json refused = ada.Next("refused");
  ASSERT_FALSE(refused.is_null());
  EXPECT_EQ(refused["what"], "name");
  EXPECT_NE(refused["reason"].get<std::string>().find("control"), std::string::npos);
  const Json stats = GetStats(server.Port, server.Token);
  EXPECT_EQ(stats["clientList"][0]["name"], "<b>Ada</b>");
  EXPECT_EQ(stats["control"]["namesRefused"], 1);
  // A name over the 4 KiB message limit closes the socket like any oversized message.
  ada.Send(Json{ { "type", "name" }, { "name", std::string(10240, 'x') } });
  EXPECT_EQ(ada.Ws->WaitForClose(), 1009);
}

// --control shared: everyone's input goes to the application at once, as before.
TEST(Control, SharedModeAppliesEveryonesInputAsBefore)
{
  ServerProcess server({ "--control", "shared" });
  Page ada(server, server.Token, "Ada");
  Page bob(server, server.Token, "Bob");
  ada.Send(Button("down", 0.5, 0.5));
  Drag(bob, 0.2, 0.2);
  ada.Send(Button("up", 0.5, 0.5));
  const auto events = PopUntilQuiet(server);
  EXPECT_EQ(events.size(), 6u);
  EXPECT_EQ(CountType(events, EventType::PointerDown), 2u);
  bob.Send(ControlMessage("ask"));
  ASSERT_FALSE(bob.Next("refused").is_null());
  const Json stats = GetStats(server.Port, server.Token);
  EXPECT_EQ(stats["control"]["mode"], "shared");
  EXPECT_TRUE(stats["control"]["driver"].is_null());
  EXPECT_EQ(stats["control"]["notApplied"], 0);
  EXPECT_EQ(stats["control"]["shared"], 1);
  EXPECT_EQ(bob.Hello["control"], "shared");
}

// One viewer alone: every event is applied, and it is never asked, refused or told to wait.
TEST(Control, ALoneViewerDrivesWithoutAnyPrompt)
{
  ServerProcess server;
  Page ada(server, server.Token);
  EXPECT_EQ(ada.Hello["name"], "Viewer " + std::to_string(ada.Id));
  EXPECT_EQ(ada.Hello["control"], "one");
  ada.Send(Button("move", 0.1, 0.1));
  Drag(ada, 0.5, 0.5);
  ada.Send(KeyEvent("down", "r", "KeyR"));
  ada.Send(KeyEvent("up", "r", "KeyR"));
  EXPECT_EQ(PopUntilQuiet(server).size(), 7u);
  ASSERT_TRUE(ada.SeesDriver(ada.Id));
  ada.Next("none", {}, 300ms);
  for (const Json& seen : ada.Seen)
  {
    const std::string type = seen.value("type", "");
    EXPECT_TRUE(type == "presence" || type == "hello") << seen.dump();
  }
  EXPECT_EQ(Counter(server, "/control/notApplied"), 0u);
}
