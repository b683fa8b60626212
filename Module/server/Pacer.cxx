#include "Pacer.h"

#include <linux/sockios.h>
#include <sys/ioctl.h>

#include <algorithm>

namespace renderstream::server
{
namespace
{
Pacer::Clock::duration Seconds(double seconds)
{
  return std::chrono::duration_cast<Pacer::Clock::duration>(std::chrono::duration<double>(seconds));
}
} // namespace

bool Pacer::Hold(LinkAdapter& link, int socket, std::function<void()> resume)
{
  if (this->Waiting)
  {
    return true;
  }
  this->Paced = link.PaceRate() > 0;
  const Clock::duration delay = this->Delay(link.PaceRate());
  if (delay <= Clock::duration::zero())
  {
    int unsent = 0;
    if (::ioctl(socket, SIOCOUTQNSD, &unsent) == 0 && unsent >= LinkAdapter::kUnsentLimit)
    {
      this->Full(link, static_cast<std::size_t>(unsent), Clock::now());
    }
    return false;
  }
  this->Waiting = true;
  this->Timer.expires_after(delay);
  this->Timer.async_wait([this, resume = std::move(resume)](const boost::system::error_code& ec) {
    this->Waiting = false;
    if (!ec)
    {
      resume();
    }
  });
  return true;
}

void Pacer::Full(LinkAdapter& link, std::size_t unsent, Clock::time_point now)
{
  if (this->LastFull && now - *this->LastFull <= Seconds(kEpisodeGapSeconds))
  {
    const double seconds = std::chrono::duration<double>(now - *this->LastFull).count();
    if (seconds < kMeasureSeconds)
    {
      return; // measured over a longer span, from the same instant
    }
    // What left our socket: what it held then and took in since, less what it holds now.
    const std::size_t held = this->UnsentAtFull + this->BytesSinceFull;
    link.Delivered(held - std::min(unsent, held), seconds, true);
  }
  this->LastFull = now;
  this->UnsentAtFull = unsent;
  this->BytesSinceFull = 0;
}

void Pacer::Wrote(LinkAdapter& link, std::size_t bytes, Clock::time_point start, bool behind, Clock::time_point now)
{
  this->Writes.emplace_back(now, bytes);
  while (this->Writes.size() > kMaxWrites || this->Writes.front().first < now - Seconds(kMemorySeconds))
  {
    this->Writes.pop_front();
  }
  this->BytesSinceFull += bytes;
  if (now - start < Seconds(kWaitedSeconds)) // crossed our socket at once: the link may be free
  {
    link.Delivered(bytes, std::chrono::duration<double>(now - start).count(), behind, this->Paced);
  }
}

Pacer::Clock::duration Pacer::Delay(double bytesPerSecond, Clock::time_point now) const
{
  if (bytesPerSecond <= 0 || this->Writes.empty())
  {
    return Clock::duration::zero();
  }
  // A queue served at the rate (Lindley's recursion): it drains between writes, never below 0.
  double backlog = 0;
  Clock::time_point last = this->Writes.front().first;
  for (const auto& [at, bytes] : this->Writes)
  {
    backlog = std::max(0.0, backlog - bytesPerSecond * std::chrono::duration<double>(at - last).count()) +
      static_cast<double>(bytes);
    last = at;
  }
  backlog -= bytesPerSecond * std::chrono::duration<double>(now - last).count();
  const double excess = backlog - bytesPerSecond * kAheadSeconds;
  return excess <= 0 ? Clock::duration::zero() : Seconds(excess / bytesPerSecond);
}
} // namespace renderstream::server
