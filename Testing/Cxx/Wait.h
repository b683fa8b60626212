// Test helper: waiting with a deadline, for a condition to hold or for a count to stop moving,
// instead of sleeping for a time that a loaded machine may not keep.
#ifndef renderstream_Testing_Wait_h
#define renderstream_Testing_Wait_h

#include <chrono>
#include <functional>
#include <thread>

namespace renderstream::testing
{
/// Polls `done` every `poll` until it holds or `timeout` has passed: whether it held.
inline bool Eventually(std::chrono::milliseconds timeout, const std::function<bool()>& done,
  std::chrono::milliseconds poll = std::chrono::milliseconds(20))
{
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (!done())
  {
    if (std::chrono::steady_clock::now() >= deadline)
    {
      return false;
    }
    std::this_thread::sleep_for(poll);
  }
  return true;
}

/// `count()` once it has stayed put for `quiet`, or when `limit` has passed.
inline long Settled(const std::function<long()>& count, std::chrono::milliseconds quiet,
  std::chrono::milliseconds limit)
{
  const auto deadline = std::chrono::steady_clock::now() + limit;
  long last = -1, now = count();
  while (now != last && std::chrono::steady_clock::now() < deadline)
  {
    last = now;
    std::this_thread::sleep_for(quiet);
    now = count();
  }
  return now;
}
} // namespace renderstream::testing

#endif
