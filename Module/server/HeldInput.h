// The buttons and keys one viewer holds down in the application (from the events it had
// applied), so that a hand-over or a driver's departure can release them first: the
// application never keeps a button or key down that nobody holds. No Beast.
#ifndef renderstream_server_HeldInput_h
#define renderstream_server_HeldInput_h

#include "Layout.h" // for InputEvent

#include <algorithm>
#include <cstring>
#include <vector>

namespace renderstream::server
{
class HeldInput
{
public:
  static constexpr std::size_t kMaxKeys = 16; // more held keys than hands: the oldest is forgotten

  /// Follows one event the application was given.
  void Applied(const ipc::InputEvent& event)
  {
    switch (event.Type)
    {
      case ipc::EventType::PointerDown:
        this->Buttons |= Bit(event.Button);
        break;
      case ipc::EventType::PointerUp:
        this->Buttons &= static_cast<unsigned>(~Bit(event.Button));
        break;
      case ipc::EventType::KeyDown:
        this->ForgetKey(event);
        if (this->Keys.size() == kMaxKeys)
        {
          this->Keys.erase(this->Keys.begin());
        }
        this->Keys.push_back(event);
        break;
      case ipc::EventType::KeyUp:
        this->ForgetKey(event);
        break;
      default:
        break;
    }
    if (event.Type != ipc::EventType::Resize && event.Type != ipc::EventType::ResetCamera &&
      event.Type != ipc::EventType::InteractionStyle)
    {
      this->X = event.X;
      this->Y = event.Y;
    }
  }

  bool HoldsButton() const { return this->Buttons != 0; }

  /// The events that release everything held (buttons where the pointer was last, then keys),
  /// as the page's own release rules send them; forgets them.
  std::vector<ipc::InputEvent> TakeReleases()
  {
    std::vector<ipc::InputEvent> releases;
    for (std::uint8_t button = 0; button < 3; ++button)
    {
      if (this->Buttons & Bit(button))
      {
        ipc::InputEvent up;
        up.Type = ipc::EventType::PointerUp;
        up.Button = button;
        up.X = this->X;
        up.Y = this->Y;
        releases.push_back(up);
      }
    }
    for (const ipc::InputEvent& key : this->Keys)
    {
      ipc::InputEvent up = key;
      up.Type = ipc::EventType::KeyUp;
      up.Modifiers = 0;
      releases.push_back(up);
    }
    this->Buttons = 0;
    this->Keys.clear();
    return releases;
  }

private:
  static unsigned Bit(std::uint8_t button) { return 1u << (button & 7); }
  void ForgetKey(const ipc::InputEvent& event)
  {
    this->Keys.erase(std::remove_if(this->Keys.begin(), this->Keys.end(),
                       [&](const ipc::InputEvent& k) {
                         return std::strncmp(k.Code, event.Code, sizeof(k.Code)) == 0 &&
                           (event.Code[0] != '\0' || std::strncmp(k.Key, event.Key, sizeof(k.Key)) == 0);
                       }),
      this->Keys.end());
  }

  unsigned Buttons = 0;
  std::vector<ipc::InputEvent> Keys; // KeyDown events not released yet, oldest first
  float X = 0.5f, Y = 0.5f;          // where the pointer was last
};
} // namespace renderstream::server

#endif
