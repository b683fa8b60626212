// Who is there and who drives the application (--control). io thread only. No Beast.
//
// --control one: one full-link viewer drives at a time; only the driver's input is applied
// (the rest is counted in control.notApplied). A full-link viewer that starts an interaction
// (button down, wheel, key down, a toolbar action) while nobody drives, or while the driver has
// applied nothing for kIdle and neither holds a button nor keeps control, becomes the driver.
// While nobody drives, pointer moves and enter/leave of every full-link viewer are applied
// (hover), as before. Resizes are not steering: every full-link viewer's is applied, as
// before (the newest page size wins). Messages: ask (told to the driver, at most
// once per kAskInterval per asker; granted at once when the implicit rule would grant it),
// give (to the newest asker or "to"), keep (no implicit hand-over), release. A hand-over
// releases the old driver's held buttons and keys in the application first; a driver that
// leaves frees control at once, and what it held is released before the next driver's first
// event (a page that reconnects mid-drag goes on with its drag until then: while nobody
// drives, releases are applied like moves). View-only viewers never drive: their control
// messages are refused and counted.
// --control shared: every full-link viewer's input is applied, as before arbitration existed.
// Both: names, presence (to every viewer; addresses to full-link viewers only) and cursors
// (position only, relayed to the other viewers, never to the application; kCursorsPerSecond).
#ifndef renderstream_server_ControlRoom_h
#define renderstream_server_ControlRoom_h

#include "InputParser.h"
#include "Layout.h"
#include "Participant.h"
#include "ServerOptions.h"
#include "ServerStats.h"
#include "StreamSegment.h"

#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace renderstream::server
{
class ControlRoom
{
public:
  using Clock = std::chrono::steady_clock;
  static constexpr std::chrono::seconds kIdle{ 2 };
  static constexpr std::chrono::seconds kAskInterval{ 5 };
  static constexpr double kCursorsPerSecond = 20;
  static constexpr double kCursorBurst = 4;
  static constexpr double kNamesPerSecond = 1;
  static constexpr double kNameBurst = 3;

  /// Tells /stats (`stats`) and the application (`segment`'s DriverName) who drives.
  ControlRoom(ControlMode mode, ServerStats& stats, ipc::StreamSegment& segment);

  /// A WebSocket viewer arrives (named "Viewer <id>" until it names itself); everyone is told.
  void Join(std::uint64_t id, std::weak_ptr<Participant> who, bool full, std::string address);
  /// It leaves (idempotent): a driver frees control, its held input released.
  void Leave(std::uint64_t id);
  /// Its {"type":"name"}: "" if taken, else why it was refused.
  std::string Rename(std::uint64_t id, std::string_view raw, Clock::time_point now);
  /// Whether a full-link viewer's input event goes to the application (the rules above).
  bool MayApply(std::uint64_t id, ipc::EventType type, Clock::time_point now);
  /// Its {"type":"control"}: "" if done, else why it was refused (counted).
  std::string Control(std::uint64_t id, ControlAction action, std::uint64_t to, Clock::time_point now);
  /// Its {"type":"cursor"}: relayed to the others.
  void Cursor(std::uint64_t id, bool over, float x, float y, Clock::time_point now);

  ControlMode Mode() const { return this->ModeOf; }
  const char* ModeName() const { return this->ModeOf == ControlMode::One ? "one" : "shared"; }
  std::string NameOf(std::uint64_t id) const;
  /// The driver's name, "" when nobody drives.
  std::string DriverName() const { return this->NameOf(this->Driver); }

private:
  struct Member
  {
    std::weak_ptr<Participant> Who;
    std::string Name;
    bool Full = false;
    std::string Address;
    bool Asked = false;
    Clock::time_point LastAsk;
    double CursorTokens = kCursorBurst;
    double NameTokens = kNameBurst;
    Clock::time_point Refilled = Clock::now();
    /// Refills the cursor and name budgets for the time since the last refill.
    void Refill(Clock::time_point now);
  };
  /// Whether a full-link `id` may take control now by the implicit rule.
  bool Free(std::uint64_t id, Clock::time_point now) const;
  void HandOver(std::uint64_t to, Clock::time_point now);
  void ReleaseDriverHeld();
  /// Tells everyone who is there and updates /stats.
  void Publish();
  std::string Refuse(const char* why);

  const ControlMode ModeOf;
  ServerStats& Stats;
  ipc::StreamSegment& Segment;
  std::map<std::uint64_t, Member> Members;
  std::uint64_t Driver = 0; // 0: nobody
  bool Kept = false;        // the driver keeps control
  Clock::time_point LastDriven;
  std::uint64_t NewestAsker = 0;
  // The releases of what a driver that left held: applied before the next driver's first
  // event (not at once: the same person's page reconnecting mid-drag goes on with it).
  std::vector<ipc::InputEvent> Orphaned;
};
} // namespace renderstream::server

#endif
