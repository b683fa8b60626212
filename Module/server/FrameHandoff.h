// The FrameWatcher thread's hand-off of encoded sets to the io thread. When the io thread is
// behind (slow writes, a long handler), a new set does not queue behind the waiting ones: it
// merges into the newest, where its JPEGs win and, level by level, its H.264 unit wins. A
// unit lost that way leaves a gap in its stream's Unit numbers, which its viewers notice and
// resynchronise on at the next key frame. A still (a better copy of the held picture) waits
// as its own set until a new frame makes it stale. So at most three sets ever wait. No Beast.
#ifndef renderstream_server_FrameHandoff_h
#define renderstream_server_FrameHandoff_h

#include "EncodedFrame.h"

#include <atomic>
#include <cstdint>
#include <mutex>
#include <vector>

namespace renderstream::server
{
class FrameHandoff
{
public:
  /// `merged` counts the sets that replaced or merged into a waiting one.
  explicit FrameHandoff(std::atomic<std::uint64_t>& merged)
    : Merged(merged)
  {
  }

  /// Watcher thread. True when nothing was waiting: the caller must then wake the io thread
  /// (which calls Take()); otherwise the wake-up on its way takes this set too.
  bool Put(FrameSetPtr set)
  {
    std::lock_guard<std::mutex> lock(this->Mutex);
    const bool wake = this->Waiting.empty();
    if (wake || (set->Still && !this->Waiting.back()->Still))
    {
      this->Waiting.push_back(std::move(set));
    }
    else if (this->Waiting.back()->Still)
    {
      if (set->Still || set->Levels[0])
      {
        this->Waiting.back() = std::move(set); // the waiting still is stale
        this->Merged.fetch_add(1, std::memory_order_relaxed);
      }
      else
      {
        this->Waiting.push_back(std::move(set)); // video only: the still stays right
      }
    }
    else
    {
      this->Waiting.back() = Merge(*this->Waiting.back(), *set);
      this->Merged.fetch_add(1, std::memory_order_relaxed);
    }
    return wake;
  }

  /// io thread: the waiting sets, oldest first.
  std::vector<FrameSetPtr> Take()
  {
    std::lock_guard<std::mutex> lock(this->Mutex);
    return std::move(this->Waiting);
  }

private:
  /// Two sets of new frames (or video-only refreshes): the newer's pictures where it has them.
  static FrameSetPtr Merge(const FrameSet& older, const FrameSet& newer)
  {
    auto merged = std::make_shared<FrameSet>(newer);
    if (!newer.Levels[0])
    {
      merged->Levels = older.Levels; // a video-only refresh: the waiting JPEGs are still newest
    }
    for (int level = 0; level < kLevels; ++level)
    {
      if (!merged->Video[level])
      {
        merged->Video[level] = older.Video[level];
      }
    }
    return merged;
  }

  std::mutex Mutex;
  std::vector<FrameSetPtr> Waiting;
  std::atomic<std::uint64_t>& Merged;
};
} // namespace renderstream::server

#endif
