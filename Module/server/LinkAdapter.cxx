#include "LinkAdapter.h"

#include <algorithm>

namespace renderstream::server
{
namespace
{
// Typical JPEG sizes relative to level 0 (quality 80, full size), measured on rendered scenes;
// used only for levels that nobody has asked for yet, so that none was encoded. (H.264 delta
// frames shrink along the ladder about as fast; the same shares serve for both.)
constexpr double kFrameShare[kLevels] = { 1.0, 0.7, 0.55, 0.18, 0.13 };
// Stills (full size) relative to the level-0 frame: quality 92 (4:4:4), 80, 60, 45, 30.
constexpr double kStillShare[kLevels] = { 2.2, 1.0, 0.7, 0.55, 0.42 };
constexpr double kSmoothing = 0.3; // weight of a new rate sample
constexpr int kFreeAfter = 3;      // fast deliveries in a row that make the link free again
} // namespace

LinkAdapter::LinkAdapter(LevelDemand& demand, bool video)
  : Demand(demand)
  , IsVideo(video)
{
  this->Count(0, 0, +1);
}

LinkAdapter::~LinkAdapter()
{
  this->Count(this->Current, this->CurrentStill, -1);
}

void LinkAdapter::Count(int frameLevel, int stillLevel, int delta)
{
  (this->IsVideo ? this->Demand.Video : this->Demand.Frames)[frameLevel].fetch_add(delta, std::memory_order_relaxed);
  this->Demand.Stills[stillLevel].fetch_add(delta, std::memory_order_relaxed);
}

FramePtr LinkAdapter::Pick(const FrameSet& set, Clock::time_point now)
{
  if (set.Still)
  {
    return set.At(this->CurrentStill);
  }
  if (this->IsVideo ? !set.Video[this->Current] : !set.Levels[0])
  {
    return nullptr; // nothing for this viewer (a key frame for another level's viewers)
  }
  const int frameLevel = this->Current, stillLevel = this->CurrentStill;
  this->Choose(set, now);
  if (set.Levels[0])
  {
    this->CurrentStill = this->ChooseStill(set.Levels[0]->Data.size());
  }
  if (frameLevel != this->Current || stillLevel != this->CurrentStill)
  {
    this->Count(frameLevel, stillLevel, -1);
    this->Count(this->Current, this->CurrentStill, +1);
    this->Changed = this->Changed || frameLevel != this->Current;
  }
  return this->IsVideo ? set.Video[this->Current] : set.At(this->Current);
}

void LinkAdapter::Delivered(std::size_t bytes, double seconds, bool behind, bool paced)
{
  const auto now = Clock::now();
  if (seconds < kFreeSeconds)
  {
    if (!paced || now - this->LastSlow >= std::chrono::duration<double>(kRemeasureSeconds))
    {
      this->Free = this->Free || ++this->FreeInARow >= kFreeAfter;
    }
    return;
  }
  const double sample = static_cast<double>(bytes) / seconds;
  if (!behind && seconds < kTargetSeconds && (this->Free || sample <= this->BytesPerSecond))
  {
    return;
  }
  this->FreeInARow = 0;
  this->BytesPerSecond = this->Free ? sample : (1 - kSmoothing) * this->BytesPerSecond + kSmoothing * sample;
  this->Free = false;
  this->LastSlow = now;
}

double LinkAdapter::Bytes(const FrameSet& set, int level) const
{
  const auto& frames = this->IsVideo ? set.Video : set.Levels;
  const auto known = [&](int l) { return frames[l] && frames[l]->TypicalBytes > 0; };
  if (known(level))
  {
    return static_cast<double>(frames[level]->TypicalBytes);
  }
  for (int l = 0; l < kLevels; ++l) // estimated from a level whose frames are known
  {
    if (known(l))
    {
      return kFrameShare[level] / kFrameShare[l] * static_cast<double>(frames[l]->TypicalBytes);
    }
  }
  return 0;
}

double LinkAdapter::Seconds(const FrameSet& set, int level) const
{
  if (this->Free || this->BytesPerSecond <= 0)
  {
    return 0;
  }
  return this->Bytes(set, level) / this->BytesPerSecond;
}

double LinkAdapter::Load(const FrameSet& set, int level) const
{
  if (!this->IsVideo)
  {
    return this->Seconds(set, level) / kTargetSeconds;
  }
  // A video viewer takes every frame of its stream: what counts is the rate. At least
  // kMinVideoFps, so that a pause in the drag does not make a rung look free.
  double fps = kMinVideoFps;
  for (int l = 0; l < kLevels; ++l)
  {
    if (set.Video[l])
    {
      fps = std::max(fps, set.Video[l]->StreamFps);
      break;
    }
  }
  const double capped = std::min(fps, VideoStreamFpsCap(level));
  return this->Seconds(set, level) * capped / kVideoLoad;
}

bool LinkAdapter::Choose(const FrameSet& set, Clock::time_point now)
{
  int level = this->Current;
  if (this->Load(set, level) > 1)
  {
    // Too slow: straight to the finest level that fits (the floor if none does).
    while (level + 1 < kLevels && this->Load(set, level) > 1)
    {
      ++level;
    }
  }
  else if (level > 0 && this->Load(set, level - 1) < kUpSeconds / kTargetSeconds &&
    std::chrono::duration<double>(now - this->LastChange).count() >=
      (this->IsVideo ? kVideoHoldSeconds : kHoldSeconds))
  {
    --level; // one rung at a time: each step is measured before the next
  }
  if (level == this->Current)
  {
    return false;
  }
  this->Current = level;
  this->LastChange = now;
  return true;
}

int LinkAdapter::ChooseStill(std::size_t frameBytes) const
{
  if (this->Free || this->BytesPerSecond <= 0)
  {
    return 0;
  }
  int level = 0;
  while (level + 1 < kLevels &&
    kStillShare[level] * static_cast<double>(frameBytes) / this->BytesPerSecond > kStillSeconds)
  {
    ++level;
  }
  return level;
}
void DescribeLink(const LinkAdapter& link, int quality, ClientInfo& info)
{
  const Rendition rendition = FrameLadder(quality)[link.Level()];
  info.Codec = link.Video() ? "h264" : "jpeg";
  info.LinkKbps = link.Kbps();
  info.Quality = rendition.Quality;
  info.Divisor = rendition.Divisor;
  info.Slow = link.Slow();
}
} // namespace renderstream::server
