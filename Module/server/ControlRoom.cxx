#include "ControlRoom.h"

#include "DisplayName.h"

#include <nlohmann/json.hpp>

#include <algorithm>

namespace renderstream::server
{
namespace
{
// The interactions that take control (a move, a release or a resize never does).
bool Starts(ipc::EventType type)
{
  switch (type)
  {
    case ipc::EventType::PointerDown:
    case ipc::EventType::Wheel:
    case ipc::EventType::KeyDown:
    case ipc::EventType::ResetCamera:
    case ipc::EventType::InteractionStyle:
      return true;
    default:
      return false;
  }
}

// What may be applied while nobody drives without taking control: hover, and releases (they
// only end something; a page that reconnected mid-drag ends its drag).
bool Ambient(ipc::EventType type)
{
  return type == ipc::EventType::PointerMove || type == ipc::EventType::Enter || type == ipc::EventType::Leave ||
    type == ipc::EventType::PointerUp || type == ipc::EventType::KeyUp;
}

} // namespace

void ControlRoom::Member::Refill(Clock::time_point now)
{
  const double seconds = std::chrono::duration<double>(now - this->Refilled).count();
  this->CursorTokens = std::min(kCursorBurst, this->CursorTokens + kCursorsPerSecond * seconds);
  this->NameTokens = std::min(kNameBurst, this->NameTokens + kNamesPerSecond * seconds);
  this->Refilled = now;
}

ControlRoom::ControlRoom(ControlMode mode, ServerStats& stats, ipc::StreamSegment& segment)
  : ModeOf(mode)
  , Stats(stats)
  , Segment(segment)
{
  this->Stats.ControlShared.store(mode == ControlMode::Shared ? 1 : 0, std::memory_order_relaxed);
  this->Stats.SetControl(this->ModeName(), "");
}

void ControlRoom::Join(std::uint64_t id, std::weak_ptr<Participant> who, bool full, std::string address)
{
  Member& member = this->Members[id];
  member.Who = std::move(who);
  member.Name = "Viewer " + std::to_string(id);
  member.Full = full;
  member.Address = std::move(address);
  this->Publish();
}

void ControlRoom::Leave(std::uint64_t id)
{
  const auto it = this->Members.find(id);
  if (it == this->Members.end())
  {
    return;
  }
  if (this->Driver == id)
  {
    if (auto who = it->second.Who.lock())
    {
      this->Orphaned = who->TakeHeld();
    }
    this->Driver = 0;
    this->Kept = false;
  }
  if (this->NewestAsker == id)
  {
    this->NewestAsker = 0;
  }
  this->Members.erase(it);
  this->Publish();
}

std::string ControlRoom::Rename(std::uint64_t id, std::string_view raw, Clock::time_point now)
{
  const auto it = this->Members.find(id);
  if (it == this->Members.end())
  {
    return "not connected";
  }
  Member& member = it->second;
  member.Refill(now);
  if (member.NameTokens < 1)
  {
    this->Stats.NamesRefused.fetch_add(1, std::memory_order_relaxed);
    return "too many name changes: one a second at most";
  }
  member.NameTokens -= 1;
  const NameCheck check = CheckDisplayName(raw);
  if (!check.Error.empty())
  {
    this->Stats.NamesRefused.fetch_add(1, std::memory_order_relaxed);
    return check.Error;
  }
  if (member.Name != check.Name)
  {
    member.Name = check.Name;
    this->Publish();
  }
  return {};
}

bool ControlRoom::Free(std::uint64_t id, Clock::time_point now) const
{
  if (this->Driver == 0 || this->Driver == id)
  {
    return true;
  }
  const auto driver = this->Members.find(this->Driver);
  const auto who = driver == this->Members.end() ? nullptr : driver->second.Who.lock();
  return !this->Kept && now - this->LastDriven >= kIdle && !(who && who->HoldsButton());
}

bool ControlRoom::MayApply(std::uint64_t id, ipc::EventType type, Clock::time_point now)
{
  if (type == ipc::EventType::Resize)
  {
    return true; // a page's size is not steering: the newest page size wins, as before
  }
  if (this->ModeOf == ControlMode::Shared || this->Driver == id)
  {
    this->LastDriven = now;
    return true;
  }
  if (Starts(type) && this->Free(id, now))
  {
    this->HandOver(id, now);
    return true;
  }
  if (this->Driver == 0 && Ambient(type))
  {
    return true;
  }
  this->Stats.ControlNotApplied.fetch_add(1, std::memory_order_relaxed);
  return false;
}

std::string ControlRoom::Refuse(const char* why)
{
  this->Stats.ControlRefused.fetch_add(1, std::memory_order_relaxed);
  return why;
}

std::string ControlRoom::Control(std::uint64_t id, ControlAction action, std::uint64_t to, Clock::time_point now)
{
  const auto it = this->Members.find(id);
  if (it == this->Members.end())
  {
    return this->Refuse("not connected");
  }
  Member& member = it->second;
  if (!member.Full)
  {
    return this->Refuse("a view-only link cannot take or hand over control");
  }
  if (this->ModeOf == ControlMode::Shared)
  {
    return this->Refuse("everyone drives at once here (--control shared)");
  }
  if (action == ControlAction::Ask)
  {
    if (this->Driver == id)
    {
      return this->Refuse("you already drive");
    }
    if (member.Asked && now - member.LastAsk < kAskInterval)
    {
      return this->Refuse("you asked less than 5 s ago");
    }
    member.Asked = true;
    member.LastAsk = now;
    this->Stats.ControlRequests.fetch_add(1, std::memory_order_relaxed);
    if (this->Free(id, now))
    {
      this->HandOver(id, now); // nobody drives, or the driver is idle: the implicit rule grants it
      return {};
    }
    this->NewestAsker = id;
    if (auto driver = this->Members[this->Driver].Who.lock())
    {
      driver->Tell(Participant::Channel::Control, id,
        nlohmann::json{ { "type", "ask" }, { "id", id }, { "name", member.Name } }.dump());
    }
    return {};
  }
  if (this->Driver != id)
  {
    return this->Refuse("only the driver can give, keep or release control");
  }
  switch (action)
  {
    case ControlAction::Give:
    {
      const std::uint64_t target = to ? to : this->NewestAsker;
      const auto taker = this->Members.find(target);
      if (target == id || taker == this->Members.end() || !taker->second.Full)
      {
        return this->Refuse("nobody to give control to");
      }
      this->HandOver(target, now);
      return {};
    }
    case ControlAction::Keep:
      this->Kept = true;
      this->NewestAsker = 0;
      this->Publish();
      return {};
    case ControlAction::Release:
      this->ReleaseDriverHeld();
      this->Driver = 0;
      this->Kept = false;
      this->Publish();
      return {};
    case ControlAction::Ask:
      break;
  }
  return {};
}

void ControlRoom::HandOver(std::uint64_t to, Clock::time_point now)
{
  this->ReleaseDriverHeld();
  if (auto taker = this->Members[to].Who.lock(); taker && !this->Orphaned.empty())
  {
    taker->Apply(this->Orphaned); // what a driver that left still held
  }
  this->Orphaned.clear();
  this->Driver = to;
  this->Kept = false;
  this->LastDriven = now;
  if (this->NewestAsker == to)
  {
    this->NewestAsker = 0;
  }
  this->Stats.ControlHandOvers.fetch_add(1, std::memory_order_relaxed);
  this->Publish();
}

void ControlRoom::ReleaseDriverHeld()
{
  const auto driver = this->Members.find(this->Driver);
  if (driver == this->Members.end())
  {
    return;
  }
  if (auto who = driver->second.Who.lock())
  {
    who->Apply(who->TakeHeld());
  }
}

void ControlRoom::Cursor(std::uint64_t id, bool over, float x, float y, Clock::time_point now)
{
  const auto it = this->Members.find(id);
  if (it == this->Members.end())
  {
    return;
  }
  Member& member = it->second;
  member.Refill(now);
  if (over && member.CursorTokens < 1)
  {
    this->Stats.CursorsDropped.fetch_add(1, std::memory_order_relaxed);
    return; // the page sends its newest position when its own limit lets it
  }
  member.CursorTokens = std::max(0.0, member.CursorTokens - 1);
  nlohmann::json message = { { "type", "cursor" }, { "id", id }, { "over", over } };
  if (over)
  {
    message["name"] = member.Name;
    message["x"] = x;
    message["y"] = y;
  }
  const std::string text = message.dump();
  for (const auto& [other, m] : this->Members)
  {
    if (auto who = other != id ? m.Who.lock() : nullptr)
    {
      who->Tell(Participant::Channel::Cursor, id, text);
    }
  }
}

std::string ControlRoom::NameOf(std::uint64_t id) const
{
  const auto it = this->Members.find(id);
  return it == this->Members.end() ? std::string() : it->second.Name;
}

void ControlRoom::Publish()
{
  // Two versions: full-link viewers see addresses (as /stats shows them), view-only ones not.
  nlohmann::json people = nlohmann::json::array();
  nlohmann::json addressed = nlohmann::json::array();
  for (const auto& [id, m] : this->Members)
  {
    nlohmann::json person = { { "id", id }, { "name", m.Name },
      { "role", id == this->Driver ? "driver" : m.Full ? "participant" : "viewer" } };
    people.push_back(person);
    person["address"] = m.Address;
    addressed.push_back(std::move(person));
  }
  nlohmann::json presence = { { "type", "presence" }, { "mode", this->ModeName() },
    { "driver", this->Driver ? nlohmann::json(this->Driver) : nlohmann::json(nullptr) },
    { "kept", this->Kept }, { "participants", std::move(people) } };
  const std::string forViewers = presence.dump();
  presence["participants"] = std::move(addressed);
  const std::string forFull = presence.dump();
  for (const auto& [id, m] : this->Members)
  {
    if (auto who = m.Who.lock())
    {
      who->Tell(Participant::Channel::Presence, 0, m.Full ? forFull : forViewers);
    }
  }
  this->Stats.ControlDriving.store(this->Driver ? 1 : 0, std::memory_order_relaxed);
  this->Stats.SetControl(this->ModeName(), this->DriverName());
  this->Segment.SetDriverName(this->DriverName());
}
} // namespace renderstream::server
