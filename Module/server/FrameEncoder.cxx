#include "FrameEncoder.h"

#include <algorithm>
#include <chrono>
#include <iostream>

namespace renderstream::server
{
FrameEncoder::FrameEncoder(std::uint32_t maxWidth, std::uint32_t maxHeight, int quality, int stillQuality,
  const std::string& videoBackend, ServerStats& stats)
  : Quality(quality)
  , StillQuality(stillQuality)
  , Stats(stats)
  , Jpeg(maxWidth, maxHeight)
{
  if (!videoBackend.empty())
  {
    this->Video = std::make_unique<VideoStreams>(videoBackend, quality, this->Pictures, stats);
  }
}

FrameSetPtr FrameEncoder::EncodeNew(const ipc::FrameView& view, LevelDemand& demand)
{
  auto set = std::make_shared<FrameSet>();
  const auto ladder = FrameLadder(this->Quality);
  const auto now = std::chrono::steady_clock::now();
  const bool jpegViewers = demand.AnyJpeg(), sharePlanes = PlanesInUse(demand);
  for (int level = 0; level < kLevels; ++level)
  {
    const bool wanted = level == 0 ? jpegViewers || now - this->LastJpeg >= kJpegRefresh : demand.FrameWanted(level);
    if (wanted)
    {
      set->Levels[level] = this->Encode(view, ladder[level], false, sharePlanes);
    }
  }
  this->JpegBehind = !set->Levels[0];
  this->LastJpeg = set->Levels[0] ? now : this->LastJpeg;
  if (jpegViewers && !set->Levels[0])
  {
    return nullptr; // its JPEG viewers could not be served: the picture is unusable
  }
  bool video = false;
  if (this->Video)
  {
    this->Video->EncodeNew(view, demand, *set);
    video = std::any_of(set->Video.begin(), set->Video.end(), [](const FramePtr& f) { return f != nullptr; });
  }
  return set->Levels[0] || video ? set : nullptr;
}

FrameSetPtr FrameEncoder::EncodeHeldJpeg(const ipc::FrameView& view)
{
  if (!this->JpegBehind)
  {
    return nullptr;
  }
  auto set = std::make_shared<FrameSet>(); // JPEG viewers would have had it: snapshots, joiners
  set->Levels[0] = this->Encode(view, FrameLadder(this->Quality)[0], false, true); // planes made
  this->JpegBehind = !set->Levels[0];
  return set->Levels[0] ? set : nullptr;
}

FrameSetPtr FrameEncoder::EncodeStill(const ipc::FrameView& view, const LevelDemand& demand)
{
  auto set = std::make_shared<FrameSet>();
  set->Still = true;
  const auto ladder = StillLadder(this->StillQuality, this->Quality);
  bool any = false;
  for (int level = 0; level < kLevels; ++level)
  {
    // Level 0 only when better than the frames were; the others for the slow viewers using them.
    const bool wanted = level == 0 ? this->StillQuality > this->Quality : demand.StillWanted(level);
    if (wanted)
    {
      set->Levels[level] = this->Encode(view, ladder[level], true, PlanesInUse(demand));
      any = any || set->Levels[level];
    }
  }
  return any ? set : nullptr;
}

FrameSetPtr FrameEncoder::EncodeDueVideo(const ipc::FrameView& view, LevelDemand& demand)
{
  auto set = std::make_shared<FrameSet>(); // video only: JPEG viewers have this picture
  return this->Video && this->Video->EncodeDue(view, demand, *set) ? set : nullptr;
}

bool FrameEncoder::PlanesInUse(const LevelDemand& demand)
{
  const auto ladder = FrameLadder(kLevels); // the divisors do not depend on the quality
  for (int level = 0; level < kLevels; ++level)
  {
    if (demand.VideoWanted(level) || (ladder[level].Divisor > 1 && demand.FrameWanted(level)))
    {
      return true;
    }
  }
  return false;
}

FramePtr FrameEncoder::Encode(const ipc::FrameView& view, const Rendition& rendition, bool still, bool sharePlanes)
{
  if (!view.Pixels)
  {
    return nullptr;
  }
  auto frame = std::make_shared<EncodedFrame>();
  std::string error;
  // Timed with the conversion when it is the first to need it.
  const auto start = std::chrono::steady_clock::now();
  const bool fromRgb = rendition.Divisor == 1 && (JpegEncoder::FullChroma(rendition.Quality) || !sharePlanes);
  const YuvView picture = fromRgb ? YuvView{} : this->Pictures.Convert(view, rendition.Divisor);
  if (fromRgb ? !this->Jpeg.Encode(view, rendition.Quality, frame->Data, error)
              : !this->Jpeg.Encode(picture, rendition.Quality, frame->Data, error))
  {
    if (this->Stats.EncodeErrors.fetch_add(1, std::memory_order_relaxed) == 0)
    {
      std::cerr << "renderstream-server: cannot encode frame " << view.Info.Sequence << ": " << error << std::endl;
    }
    return nullptr;
  }
  const double ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
  this->Stats.AddEncode(ms, frame->Data.size());
  frame->TypicalBytes = frame->Data.size();
  (still ? this->Stats.StillsEncoded : this->Stats.FramesEncoded).fetch_add(1, std::memory_order_relaxed);
  frame->Width = fromRgb ? view.Info.Width : static_cast<std::uint32_t>(picture.Width);
  frame->Height = fromRgb ? view.Info.Height : static_cast<std::uint32_t>(picture.Height);
  frame->Still = still;
  frame->CaptureNs = still ? 0 : view.Info.CaptureTimeNs;
  frame->EncodedNs = ipc::SteadyNowNs();
  return frame;
}
} // namespace renderstream::server
