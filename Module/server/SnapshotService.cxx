#include "SnapshotService.h"

#include "FrameWatcher.h"

namespace renderstream::server
{
SnapshotService::SnapshotService(
  FrameWatcher& watcher, ServerStats& stats, std::uint32_t maxWidth, std::uint32_t maxHeight)
  : Watcher(watcher)
  , Stats(stats)
  , Encoder(maxWidth, maxHeight)
  , Worker([this] { this->Run(); })
{
}

SnapshotService::~SnapshotService()
{
  {
    std::lock_guard<std::mutex> lock(this->Mutex);
    this->Stopping = true;
  }
  this->Wake.notify_one();
  this->Worker.join();
}

bool SnapshotService::Request(int quality, Done done)
{
  {
    std::lock_guard<std::mutex> lock(this->Mutex);
    if (this->Waiting.size() >= kMaxWaiting)
    {
      this->Stats.SnapshotsBusy.fetch_add(1, std::memory_order_relaxed);
      return false;
    }
    this->Waiting.emplace_back(quality, std::move(done));
  }
  this->Wake.notify_one();
  return true;
}

void SnapshotService::Run()
{
  std::unique_lock<std::mutex> lock(this->Mutex);
  while (true)
  {
    this->Wake.wait(lock, [this] { return this->Stopping || !this->Waiting.empty(); });
    if (this->Stopping)
    {
      return;
    }
    auto [quality, done] = std::move(this->Waiting.front());
    this->Waiting.pop_front();
    lock.unlock();
    done(this->Serve(quality));
    lock.lock();
  }
}

SnapshotService::Jpeg SnapshotService::Serve(int quality)
{
  const std::uint64_t cachedFor = this->Info.Sequence;
  if (!this->Watcher.CopyHeld(cachedFor, this->Pixels, this->Info))
  {
    return nullptr;
  }
  if (this->Info.Sequence != cachedFor)
  {
    this->Cache.clear(); // a newer frame: the old encodes are stale
  }
  if (const auto hit = this->Cache.find(quality); hit != this->Cache.end())
  {
    this->Stats.SnapshotsCached.fetch_add(1, std::memory_order_relaxed);
    return hit->second;
  }
  // The budget: at most kEncodesPerSecond encodes, evenly spaced (requests wait meanwhile).
  const auto now = std::chrono::steady_clock::now();
  if (this->NextEncode > now)
  {
    std::this_thread::sleep_for(this->NextEncode - now);
  }
  this->NextEncode = std::max(now, this->NextEncode) + std::chrono::seconds(1) / kEncodesPerSecond;
  ipc::FrameView view;
  view.Info = this->Info;
  view.Pixels = this->Pixels.data();
  auto jpeg = std::make_shared<std::string>();
  std::string error;
  if (!this->Encoder.Encode(view, quality, *jpeg, error))
  {
    this->Stats.EncodeErrors.fetch_add(1, std::memory_order_relaxed);
    return nullptr;
  }
  this->Stats.SnapshotsEncoded.fetch_add(1, std::memory_order_relaxed);
  return this->Cache.emplace(quality, std::move(jpeg)).first->second;
}
} // namespace renderstream::server
