// The H.264 streams: one shared encoder per rendition level that some video viewer uses
// (LevelDemand::Video), fed every new frame, so its cost does not grow with the viewers.
//
// A viewer must decode every access unit of its stream since the last key frame, so it can
// only join or resume (after a skip, a level change or a decoder error) at a key frame. It
// asks for one through LevelDemand::KeyWanted; a level makes at most one forced key frame per
// kMinKeyInterval whoever asks, so asking viewers cannot flood the others with key frames.
// A stream that starts (a level taken into use, a new frame size) starts with a key frame.
// Watcher thread only.
#ifndef renderstream_server_VideoStreams_h
#define renderstream_server_VideoStreams_h

#include "EncodedFrame.h"
#include "H264Encoder.h"
#include "ServerStats.h"
#include "YuvConverter.h"

#include <chrono>

namespace renderstream::server
{
class VideoStreams
{
public:
  static constexpr std::chrono::milliseconds kMinKeyInterval{ 250 };

  /// `backend`: H264Encoder::Choose()'s pick; `quality`: --quality (the ladder's level 0).
  VideoStreams(std::string backend, int quality, ServerStats& stats);

  /// Encodes `frame` into every stream in demand (and ends the others); fills `set.Video`.
  void EncodeNew(const ipc::FrameView& frame, LevelDemand& demand, FrameSet& set);
  /// Answers key-frame requests that no new frame has served for kMinKeyInterval: encodes the
  /// held `frame` as a key frame on the levels asked for. False if there was nothing to do.
  bool ServeKeyRequests(const ipc::FrameView& frame, LevelDemand& demand, FrameSet& set);
  /// True while some key request waits for ServeKeyRequests().
  static bool KeyPending(const LevelDemand& demand);

private:
  struct Stream
  {
    std::unique_ptr<H264Encoder> Encoder;
    std::chrono::steady_clock::time_point LastKey{};
    double TypicalBytes = 0; // moving average of its delta frames
  };
  /// Encodes `frame` on `level`, starting the stream if needed; null on failure.
  FramePtr Encode(const ipc::FrameView& frame, int level, bool forceKey);
  bool TakeKeyRequest(LevelDemand& demand, int level, std::chrono::steady_clock::time_point now);

  const std::string Backend;
  const int Quality;
  ServerStats& Stats;
  std::array<Stream, kLevels> Streams;
  YuvConverter Converter;
  const ipc::FrameView* Converted = nullptr; // what Picture holds now
  int ConvertedDivisor = 0;
  YuvView Picture;
  std::chrono::steady_clock::time_point Epoch = std::chrono::steady_clock::now();
  std::int64_t LastTimeMs = -1;
};
} // namespace renderstream::server

#endif
