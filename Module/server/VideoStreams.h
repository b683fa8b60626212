// The H.264 streams: one shared encoder per rendition level that some video viewer uses
// (LevelDemand::Video), fed every new frame, so its cost does not grow with the viewers.
//
// A viewer must decode every access unit of its stream since the last key frame, so it can
// only join or resume (after a skip, a level change or a decoder error) at a key frame. It
// asks for one through LevelDemand::KeyWanted; a level makes at most one forced key frame per
// kMinKeyInterval whoever asks, so asking viewers cannot flood the others with key frames.
// A stream that starts (a level taken into use, a new frame size) starts with a key frame.
//
// Each rung's quantiser is H264Encoder::QpFor() its JPEG quality, corrected for the content by the
// QualityMatcher; a stream whose quantiser moved by 2 or more restarts (with a key frame).
//
// Each level has a frame-rate cap (VideoStreamFpsCap): a slow link's stream must not make more frames
// than its viewers can take, since a viewer cannot drop a frame of it without waiting for a
// key frame. The cap is a token bucket (kBurst frames): a producer at the cap's own rate keeps
// every frame however its frames jitter, and no second holds more than cap + kBurst. A frame
// that finds no token waits; the newest one is encoded when the next token comes (EncodeDue,
// from the held frame, at UntilDue()), so the last picture of a drag always goes out.
// Watcher thread only.
#ifndef renderstream_server_VideoStreams_h
#define renderstream_server_VideoStreams_h

#include "EncodedFrame.h"
#include "H264Encoder.h"
#include "QualityMatcher.h"
#include "ServerStats.h"
#include "YuvConverter.h"

#include <chrono>

namespace renderstream::server
{
class VideoStreams
{
public:
  static constexpr std::chrono::milliseconds kMinKeyInterval{ 250 };
  static constexpr double kBurst = 2; // frames a stream may make at once, after a pause

  /// `backend`: H264Encoder::Choose()'s pick; `quality`: --quality (the ladder's level 0);
  /// `pictures`: the frame's YUV planes, shared with the JPEG rungs.
  VideoStreams(std::string backend, int quality, YuvConverter& pictures, ServerStats& stats);

  /// A new frame: encodes it into every stream in demand whose interval is over (and ends the
  /// streams nobody uses); fills `set.Video`.
  void EncodeNew(const ipc::FrameView& frame, LevelDemand& demand, FrameSet& set);
  /// Encodes the held `frame` where it is due: streams that skipped it for their frame-rate
  /// cap, and key-frame requests. False if there was nothing to do.
  bool EncodeDue(const ipc::FrameView& frame, LevelDemand& demand, FrameSet& set);
  /// True while EncodeDue() may have something to do.
  bool Pending(const LevelDemand& demand) const;
  /// How long until a held frame's token comes on some stream (zero if one has it now, a day
  /// if no stream holds a frame).
  std::chrono::steady_clock::duration UntilDue(const LevelDemand& demand) const;

private:
  struct Stream
  {
    std::unique_ptr<H264Encoder> Encoder;
    std::chrono::steady_clock::time_point LastKey{};
    std::chrono::steady_clock::time_point LastEncode{};
    double TypicalBytes = 0; // moving average of its delta frames
    double Fps = 0;          // moving average of its frame rate
    double Tokens = kBurst;  // frames it may make now (VideoStreamFpsCap a second, kBurst at most)
    std::chrono::steady_clock::time_point Refilled{};
    bool Behind = false;     // a newer frame than its last one is held
    std::uint64_t Units = 0; // access units made on this level, ever (EncodedFrame::Unit)
    int Qp = 0;              // its encoder's quantiser
  };
  /// Encodes `frame` on `level`, starting the stream if needed; null on failure.
  /// `newPicture`: the stream has not had this picture yet (not a key frame of a held one).
  FramePtr Encode(const ipc::FrameView& frame, int level, bool forceKey, bool newPicture);
  bool TakeKeyRequest(LevelDemand& demand, int level, std::chrono::steady_clock::time_point now);
  /// The tokens `stream` of `level` has at `now`.
  static double TokensAt(const Stream& stream, int level, std::chrono::steady_clock::time_point now);

  const std::string Backend;
  const int Quality;
  ServerStats& Stats;
  std::array<Stream, kLevels> Streams;
  YuvConverter& Pictures;
  QualityMatcher Matcher; // the quantisers' correction for the content
  std::chrono::steady_clock::time_point Epoch = std::chrono::steady_clock::now();
  std::int64_t LastTimeMs = -1;
};
} // namespace renderstream::server

#endif
