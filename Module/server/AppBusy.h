// Whether the application is busy: browser input waits on it and it has shown no sign of life
// (a tick, a render, an input event applied) for a second, as while a notebook cell or a long
// filter runs. Viewers are told, so a frozen picture is explained rather than silent. No Beast.
#ifndef renderstream_server_AppBusy_h
#define renderstream_server_AppBusy_h

#include <cstdint>

namespace renderstream::server
{
class AppBusy
{
public:
  static constexpr std::int64_t kBusyAfterNs = 1'000'000'000;

  /// Called a few times a second with the steady clock (ns), the application's last sign of
  /// life (StreamSegment::AppAliveNs) and the newest input pushed to it. Returns for how many
  /// whole seconds input has waited, 0 when it is not busy.
  int Update(std::int64_t nowNs, std::int64_t aliveNs, std::int64_t lastInputNs);

private:
  std::int64_t WaitingSinceNs = 0; // input that arrived after the last sign of life; 0 = none
};
} // namespace renderstream::server

#endif
