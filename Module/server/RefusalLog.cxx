#include "RefusalLog.h"

namespace renderstream::server
{
bool RefusalLog::ShouldLog(std::string_view cause, std::string_view peer, Clock::time_point now)
{
  if (this->Last.size() >= kMaxKeys)
  {
    for (auto it = this->Last.begin(); it != this->Last.end();)
    {
      it = now - it->second >= kWindow ? this->Last.erase(it) : std::next(it);
    }
    if (this->Last.size() >= kMaxKeys)
    {
      this->Last.clear(); // a flood of addresses: start over rather than grow
    }
  }
  auto [it, fresh] = this->Last.try_emplace({ std::string(cause), std::string(peer) }, now);
  if (!fresh && now - it->second < kWindow)
  {
    return false;
  }
  it->second = now;
  return true;
}
} // namespace renderstream::server
