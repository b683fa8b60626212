#include "FrameWatcher.h"

#include <algorithm>
#include <cstring>

namespace renderstream::server
{
namespace
{
// Cheap 64-bit hash of the pixels, four independent lanes of 64-bit words.
std::uint64_t HashPixels(const std::uint8_t* data, std::size_t bytes)
{
  constexpr std::uint64_t kPrime = 0x100000001b3ULL;
  std::uint64_t lane[4] = { 0xcbf29ce484222325ULL, 0x84222325cbf29ce4ULL, 0x9e3779b97f4a7c15ULL,
    0xc2b2ae3d27d4eb4fULL };
  std::size_t i = 0;
  for (; i + 32 <= bytes; i += 32)
  {
    std::uint64_t w[4];
    std::memcpy(w, data + i, 32);
    for (int k = 0; k < 4; ++k)
    {
      lane[k] = (lane[k] ^ w[k]) * kPrime;
    }
  }
  for (; i < bytes; ++i)
  {
    lane[0] = (lane[0] ^ data[i]) * kPrime;
  }
  return lane[0] ^ (lane[1] * 3) ^ (lane[2] * 5) ^ (lane[3] * 7) ^ bytes;
}

bool SameShape(const ipc::FrameInfo& a, const ipc::FrameInfo& b)
{
  return a.Width == b.Width && a.Height == b.Height && a.Format == b.Format &&
    a.BottomUp == b.BottomUp;
}
} // namespace

FrameWatcher::FrameWatcher(ipc::StreamSegment& segment, ServerStats& stats, int quality,
  int stillQuality, const std::atomic<std::int64_t>& lastInputNs, LevelDemand& demand,
  const std::string& videoBackend, std::function<void(FrameSetPtr)> publish,
  std::function<void(Exit)> onExit)
  : Segment(segment)
  , Stats(stats)
  , LastInputNs(lastInputNs)
  , Demand(demand)
  , PublishFrame(std::move(publish))
  , OnExit(std::move(onExit))
  , Encoder(segment.MaxWidth(), segment.MaxHeight(), quality, stillQuality, videoBackend, stats)
{
}

FrameWatcher::~FrameWatcher()
{
  this->Stop();
}

void FrameWatcher::Start()
{
  this->Thread = std::thread([this] { this->Run(); });
}

void FrameWatcher::Stop()
{
  this->StopFlag = true;
  if (this->Thread.joinable())
  {
    this->Thread.join();
  }
}

void FrameWatcher::Run()
{
  auto lastAliveCheck = std::chrono::steady_clock::now();
  while (!this->StopFlag)
  {
    auto timeout = kPoll;
    if (this->StillPending)
    {
      const auto due = std::chrono::nanoseconds(this->QuietSinceNs() - ipc::SteadyNowNs()) + kSettle;
      timeout = std::clamp(
        std::chrono::duration_cast<std::chrono::milliseconds>(due) + std::chrono::milliseconds(1),
        std::chrono::milliseconds(1), kPoll);
    }
    if (this->Encoder.HasVideo() && this->Demand.AnyVideo())
    {
      timeout = std::min(timeout, kVideoPoll); // key requests are served even when nothing renders
      const auto due = std::chrono::ceil<std::chrono::milliseconds>(this->Encoder.VideoUntilDue(this->Demand));
      timeout = std::min(timeout, std::max(due, std::chrono::milliseconds(1))); // a held frame's token
    }
    const bool ready = this->Segment.WaitForFrame(timeout);
    if (this->StopFlag)
    {
      break;
    }
    if (this->Segment.ShutdownRequested())
    {
      this->OnExit(Exit::ProducerShutdown);
      return;
    }
    const auto now = std::chrono::steady_clock::now();
    if ((!ready && timeout == kPoll) || now - lastAliveCheck >= kPoll)
    {
      lastAliveCheck = now;
      if (!this->Segment.PeerAlive())
      {
        this->Segment.Unlink(); // nobody else will: the creator is gone
        this->OnExit(Exit::ProducerDied);
        return;
      }
    }
    if (ready)
    {
      this->ProcessNewFrame();
    }
    if (this->Encoder.VideoPending(this->Demand))
    {
      this->EncodeDueVideo();
    }
    if (this->StillPending)
    {
      if (ipc::SteadyNowNs() - this->QuietSinceNs() >= std::chrono::nanoseconds(kSettle).count())
      {
        this->PublishStill();
      }
    }
  }
  this->OnExit(Exit::Stopped);
}

std::int64_t FrameWatcher::QuietSinceNs() const
{
  return std::max(this->LastFrameNs, this->LastInputNs.load(std::memory_order_relaxed));
}

bool FrameWatcher::ProcessNewFrame()
{
  std::lock_guard<std::mutex> lock(this->HeldMutex);
  if (!this->Segment.AcquireLatest())
  {
    return false;
  }
  this->Stats.FramesAcquired.fetch_add(1, std::memory_order_relaxed);
  const ipc::FrameView view = this->Segment.Current();
  if (!view.Pixels)
  {
    this->Stats.EncodeErrors.fetch_add(1, std::memory_order_relaxed);
    return false;
  }
  const std::uint64_t hash = HashPixels(view.Pixels, view.Bytes());
  if (this->HaveFrame && hash == this->LastHash && SameShape(view.Info, this->LastInfo))
  {
    this->Stats.FramesDuplicate.fetch_add(1, std::memory_order_relaxed);
    return false;
  }
  this->HaveFrame = true;
  this->LastHash = hash;
  this->LastInfo = view.Info;
  this->LastFrameNs = ipc::SteadyNowNs();
  FrameSetPtr set = this->Encoder.EncodeNew(view, this->Demand);
  this->StillPending = true; // PublishStill() decides whether any viewer needs one
  if (!set)
  {
    return false; // nothing due now: video units wait for their token
  }
  this->Publish(std::move(set));
  return true;
}

void FrameWatcher::EncodeDueVideo()
{
  std::lock_guard<std::mutex> lock(this->HeldMutex);
  const ipc::FrameView view = this->Segment.Current();
  if (this->HaveFrame && view.Pixels)
  {
    this->Publish(this->Encoder.EncodeDueVideo(view, this->Demand));
  }
}

void FrameWatcher::PublishStill()
{
  this->StillPending = false;
  std::lock_guard<std::mutex> lock(this->HeldMutex);
  const ipc::FrameView view = this->Segment.Current();
  if (view.Pixels)
  {
    this->Publish(this->Encoder.EncodeHeldJpeg(view));
    this->Publish(this->Encoder.EncodeStill(view, this->Demand));
  }
}

void FrameWatcher::Publish(FrameSetPtr set)
{
  if (!set)
  {
    return;
  }
  for (const auto* frames : { &set->Levels, &set->Video })
  {
    for (const FramePtr& frame : *frames)
    {
      if (frame)
      {
        this->Segment.CountFrameEncoded(); // the figure the application may show
      }
    }
  }
  this->PublishFrame(std::move(set));
}

bool FrameWatcher::CopyHeld(std::uint64_t knownSequence, std::vector<std::uint8_t>& pixels, ipc::FrameInfo& info)
{
  std::lock_guard<std::mutex> lock(this->HeldMutex);
  const ipc::FrameView view = this->Segment.Current();
  if (!view.Pixels)
  {
    return false;
  }
  if (view.Info.Sequence != knownSequence)
  {
    pixels.assign(view.Pixels, view.Pixels + view.Bytes());
    info = view.Info;
  }
  return true;
}
} // namespace renderstream::server
