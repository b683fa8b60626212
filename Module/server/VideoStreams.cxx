#include "VideoStreams.h"

#include <algorithm>
#include <cstdlib>
#include <iostream>

namespace renderstream::server
{
namespace
{
constexpr double kSmoothing = 0.2; // weight of a new delta frame in TypicalBytes
}

VideoStreams::VideoStreams(std::string backend, int quality, YuvConverter& pictures, ServerStats& stats)
  : Backend(std::move(backend))
  , Quality(quality)
  , Stats(stats)
  , Pictures(pictures)
  , Matcher(this->Backend, H264Encoder::QpFor(this->Backend, quality))
{
}

bool VideoStreams::TakeKeyRequest(
  LevelDemand& demand, int level, std::chrono::steady_clock::time_point now)
{
  if (!demand.KeyWanted[level].load(std::memory_order_relaxed) ||
    now - this->Streams[level].LastKey < kMinKeyInterval)
  {
    return false; // a request made too soon waits for its turn
  }
  demand.KeyWanted[level].store(false, std::memory_order_relaxed);
  return true;
}

double VideoStreams::TokensAt(const Stream& stream, int level, std::chrono::steady_clock::time_point now)
{
  const double elapsed = std::chrono::duration<double>(now - stream.Refilled).count();
  return std::min(kBurst, stream.Tokens + elapsed * VideoStreamFpsCap(level));
}

std::chrono::steady_clock::duration VideoStreams::UntilDue(const LevelDemand& demand) const
{
  const auto now = std::chrono::steady_clock::now();
  std::chrono::steady_clock::duration wait = std::chrono::hours(24);
  for (int level = 0; level < kLevels; ++level)
  {
    const Stream& stream = this->Streams[level];
    if (demand.VideoWanted(level) && stream.Behind)
    {
      const double missing = std::max(0.0, 1.0 - TokensAt(stream, level, now));
      wait = std::min(wait, std::chrono::duration_cast<std::chrono::steady_clock::duration>(
                              std::chrono::duration<double>(missing / VideoStreamFpsCap(level))));
    }
  }
  return wait;
}

bool VideoStreams::Pending(const LevelDemand& demand) const
{
  for (int level = 0; level < kLevels; ++level)
  {
    if (demand.VideoWanted(level) &&
      (this->Streams[level].Behind || demand.KeyWanted[level].load(std::memory_order_relaxed)))
    {
      return true;
    }
  }
  return false;
}

void VideoStreams::EncodeNew(const ipc::FrameView& frame, LevelDemand& demand, FrameSet& set)
{
  for (int level = 0; level < kLevels; ++level)
  {
    Stream& stream = this->Streams[level];
    if (!demand.VideoWanted(level))
    {
      stream.Encoder.reset(); // a level taken up again starts with a key frame
      stream.Behind = false;  // (its typical sizes stay: the link estimates need them)
      continue;
    }
    if (stream.Behind) // the frame it held never went out: newest wins, counted
    {
      this->Stats.VideoSkipped.fetch_add(1, std::memory_order_relaxed);
    }
    stream.Behind = true;
  }
  this->EncodeDue(frame, demand, set);
}

bool VideoStreams::EncodeDue(const ipc::FrameView& frame, LevelDemand& demand, FrameSet& set)
{
  const auto now = std::chrono::steady_clock::now();
  bool any = false;
  for (int level = 0; level < kLevels; ++level)
  {
    Stream& stream = this->Streams[level];
    if (!demand.VideoWanted(level))
    {
      continue;
    }
    const bool key = this->TakeKeyRequest(demand, level, now);
    const bool due = stream.Behind && TokensAt(stream, level, now) >= 1;
    if (key || due)
    {
      set.Video[level] = this->Encode(frame, level, key, due);
      any = any || set.Video[level];
    }
  }
  if (set.Video[0] && this->Matcher.WantsNext())
  {
    this->Matcher.Next(this->Pictures.Convert(frame, 1), this->Streams[0].Qp);
  }
  else if (set.Video[0] && set.Levels[0] && this->Matcher.Due(now))
  {
    this->Matcher.Start(this->Pictures.Convert(frame, 1), set.Levels[0], now);
  }
  return any;
}

FramePtr VideoStreams::Encode(const ipc::FrameView& frame, int level, bool forceKey, bool newPicture)
{
  const Rendition rendition = FrameLadder(this->Quality)[level];
  const YuvView picture = EvenCrop(this->Pictures.Convert(frame, rendition.Divisor));
  if (picture.Width < 2 || picture.Height < 2)
  {
    return nullptr;
  }
  Stream& stream = this->Streams[level];
  std::string error;
  const int qp = std::clamp(H264Encoder::QpFor(this->Backend, rendition.Quality) + this->Matcher.Offset(),
    H264Encoder::kBestQp, H264Encoder::kWorstQp);
  if (stream.Encoder && qp != stream.Qp && stream.Encoder->SetQp(qp))
  {
    stream.Qp = qp;
  }
  if (level == 0)
  {
    this->Stats.VideoQp.store(static_cast<std::uint64_t>(qp), std::memory_order_relaxed);
  }
  if (!stream.Encoder || stream.Encoder->Width() != picture.Width ||
    stream.Encoder->Height() != picture.Height || std::abs(qp - stream.Qp) >= 4)
  {
    stream.Qp = qp; // a backend that cannot move its quantiser restarts for a large change
    stream.Encoder = H264Encoder::Create(this->Backend, picture.Width, picture.Height, qp,
      H264Encoder::ThreadsFor(picture.Width, picture.Height), error);
  }
  const auto start = std::chrono::steady_clock::now();
  // Strictly increasing timestamps in ms, whatever the pace of the frames.
  this->LastTimeMs = std::max(this->LastTimeMs + 1,
    std::chrono::duration_cast<std::chrono::milliseconds>(start - this->Epoch).count());
  AccessUnit unit;
  if (!stream.Encoder || !stream.Encoder->Encode(picture, this->LastTimeMs, forceKey, unit, error))
  {
    stream.Encoder.reset();
    if (this->Stats.EncodeErrors.fetch_add(1, std::memory_order_relaxed) == 0)
    {
      std::cerr << "renderstream-server: cannot encode H.264 frame " << frame.Info.Sequence
                << ": " << error << std::endl;
    }
    return nullptr;
  }
  const double ms =
    std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
  if (unit.Key)
  {
    stream.LastKey = start;
  }
  stream.Tokens = TokensAt(stream, level, start) - 1; // a key frame counts too: viewers take it
  stream.Refilled = start;
  const double interval = std::chrono::duration<double>(start - stream.LastEncode).count();
  stream.Fps = interval >= 1.0 ? 1.0 : (1 - kSmoothing) * stream.Fps + kSmoothing / interval;
  stream.LastEncode = start;
  stream.Behind = false;
  if (!unit.Key) // key frames are the exception; the link must carry the deltas
  {
    const double bytes = static_cast<double>(unit.Data.size());
    stream.TypicalBytes = stream.TypicalBytes == 0 ? bytes : (1 - kSmoothing) * stream.TypicalBytes + kSmoothing * bytes;
  }
  this->Stats.AddVideoEncode(ms, unit.Data.size(), unit.Key);
  auto encoded = std::make_shared<EncodedFrame>();
  encoded->Kind = unit.Key ? FrameKind::VideoKey : FrameKind::VideoDelta;
  encoded->Data = std::move(unit.Data);
  encoded->TypicalBytes = static_cast<std::size_t>(stream.TypicalBytes);
  encoded->StreamFps = stream.Fps;
  encoded->Unit = ++stream.Units;
  encoded->Width = static_cast<std::uint32_t>(picture.Width);
  encoded->Height = static_cast<std::uint32_t>(picture.Height);
  encoded->CaptureNs = newPicture ? frame.Info.CaptureTimeNs : 0;
  encoded->EncodedNs = ipc::SteadyNowNs();
  return encoded;
}
} // namespace renderstream::server
