// How a frame is encoded for a viewer: JPEG quality and size. A viewer whose link cannot carry
// the frames steps down this ladder (lower quality first, then half resolution) and back up
// when the link frees. The last rung is the floor: quality 30 at half resolution still shows
// edges and labels a person can read; nothing goes below it.
//
// Still frames (sent once interaction stops) always keep full resolution; a slow viewer gets
// the best still quality its link carries within about a second.
#ifndef renderstream_server_Rendition_h
#define renderstream_server_Rendition_h

#include <algorithm>
#include <array>
#include <atomic>

namespace renderstream::server
{
struct Rendition
{
  int Quality = 80;
  int Divisor = 1; // 1: full size, 2: half width and height
  bool operator==(const Rendition& other) const
  {
    return this->Quality == other.Quality && this->Divisor == other.Divisor;
  }
};

constexpr int kLevels = 5; // rungs of each ladder; level 0 is what a free link gets

/// Interactive frames: level 0 is --quality at full size.
inline std::array<Rendition, kLevels> FrameLadder(int quality)
{
  return { { { quality, 1 }, { std::min(quality, 60), 1 }, { std::min(quality, 45), 1 },
    { std::min(quality, 45), 2 }, { std::min(quality, 30), 2 } } };
}

/// Still frames, all at full size: level 0 is --still-quality.
inline std::array<Rendition, kLevels> StillLadder(int stillQuality, int quality)
{
  return { { { stillQuality, 1 }, { std::min(stillQuality, quality), 1 },
    { std::min(stillQuality, 60), 1 }, { std::min(stillQuality, 45), 1 },
    { std::min(stillQuality, 30), 1 } } };
}
/// Most frames a second the video stream of a level makes: a viewer must take every one, so
/// the slow rungs also make fewer (the last one 10 a second).
inline double VideoStreamFpsCap(int level)
{
  constexpr double kCaps[kLevels] = { 60, 30, 20, 15, 10 };
  return kCaps[level];
}

/// How many viewers use each level of the ladders (sessions count themselves in and out on
/// the io thread): the FrameWatcher encodes only levels in use. Video viewers also ask for a
/// key frame of their level (KeyWanted).
struct LevelDemand
{
  std::array<std::atomic<int>, kLevels> Frames{};
  std::array<std::atomic<int>, kLevels> Stills{};
  std::array<std::atomic<int>, kLevels> Video{};
  std::array<std::atomic<bool>, kLevels> KeyWanted{};

  bool FrameWanted(int level) const { return this->Frames[level].load(std::memory_order_relaxed) > 0; }
  bool StillWanted(int level) const { return this->Stills[level].load(std::memory_order_relaxed) > 0; }
  bool VideoWanted(int level) const { return this->Video[level].load(std::memory_order_relaxed) > 0; }
  /// Some JPEG viewer (WebSocket or MJPEG) is there: they take level 0 of every new frame.
  bool AnyJpeg() const { return AnyIn(this->Frames); }
  bool AnyVideo() const { return AnyIn(this->Video); }

private:
  static bool AnyIn(const std::array<std::atomic<int>, kLevels>& counts)
  {
    return std::any_of(counts.begin(), counts.end(), [](const auto& c) { return c.load(std::memory_order_relaxed) > 0; });
  }
};
} // namespace renderstream::server

#endif
