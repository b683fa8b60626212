// Which refusals to log: one line per cause and client address a minute, so a page that
// retries every few seconds (or a scanner) cannot flood the log, while every new cause and
// client is seen at once. io thread only; at most kMaxKeys remembered.
#ifndef renderstream_server_RefusalLog_h
#define renderstream_server_RefusalLog_h

#include <chrono>
#include <map>
#include <string>
#include <string_view>
#include <utility>

namespace renderstream::server
{
class RefusalLog
{
public:
  using Clock = std::chrono::steady_clock;
  static constexpr std::chrono::seconds kWindow{ 60 };
  static constexpr std::size_t kMaxKeys = 1024;

  /// True if a refusal of `cause` to `peer` (an address, no port) should be logged now.
  bool ShouldLog(std::string_view cause, std::string_view peer, Clock::time_point now = Clock::now());

private:
  std::map<std::pair<std::string, std::string>, Clock::time_point> Last;
};
} // namespace renderstream::server

#endif
