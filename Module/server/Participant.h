// What the ControlRoom needs of a WebSocket session. Every call happens on the io thread.
#ifndef renderstream_server_Participant_h
#define renderstream_server_Participant_h

#include "Layout.h" // for InputEvent

#include <cstdint>
#include <string>
#include <vector>

namespace renderstream::server
{
class Participant
{
public:
  enum class Channel
  {
    Presence, // who is there: a newer one replaces one not yet written
    Cursor,   // someone's pointer: a newer one of the same person replaces the older
    Control,  // a request, a refusal: each is written (a few at most wait)
  };
  virtual ~Participant() = default;
  /// A JSON text message for this viewer's page; `from`: whose cursor (Channel::Cursor).
  virtual void Tell(Channel channel, std::uint64_t from, const std::string& json) = 0;
  /// The releases of the buttons and keys it holds in the application (forgotten here).
  virtual std::vector<ipc::InputEvent> TakeHeld() = 0;
  /// Puts `events` into the application's ring, in order.
  virtual void Apply(const std::vector<ipc::InputEvent>& events) = 0;
  virtual bool HoldsButton() const = 0;
};
} // namespace renderstream::server

#endif
