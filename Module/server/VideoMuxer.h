// One H.264 stream put into a container by libavformat, as it was encoded (no second
// encode): a fragmented MP4 file, FLV over RTMP(S), MPEG-TS over SRT, or RTSP. The access
// units come in Annex B form (what the viewers get); the muxers that want length-prefixed
// units convert them.
//
// The MP4 is fragmented (an empty moov, then a moof+mdat every key frame or half second) and
// flushed after every unit, so a killed process leaves a file that plays up to its last
// fragment. Every call may block on the disk or the network; `interrupted` (polled by
// libavformat while it waits) aborts a call when it returns true.
// No Beast; one thread at a time.
#ifndef renderstream_server_VideoMuxer_h
#define renderstream_server_VideoMuxer_h

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>

struct AVFormatContext;
struct AVPacket;

namespace renderstream::server
{
class VideoMuxer
{
public:
  /// The libavformat muxer for `url`: "flv" for rtmp:// and rtmps://, "mpegts" for srt://,
  /// "rtsp" for rtsp://, "mp4" for a path; empty for another scheme.
  static std::string FormatFor(std::string_view url);
  /// True if `url` names a network stream (scheme://) rather than a file.
  static bool IsNetwork(std::string_view url);

  /// Opens `url` (a new file, or a connection) for a stream of `width` x `height` whose first
  /// unit is `keyFrame` (an IDR access unit with its SPS and PPS). Throws std::runtime_error
  /// saying why (libavformat's words: "Connection refused", "Read-only file system").
  VideoMuxer(const std::string& url, std::string_view keyFrame, int width, int height,
    std::function<bool()> interrupted);
  /// Finishes the container if Finish() was not called (best effort: no throw).
  ~VideoMuxer();
  VideoMuxer(const VideoMuxer&) = delete;
  VideoMuxer& operator=(const VideoMuxer&) = delete;

  /// Writes one access unit that shows at `ptsUs` (from the stream's start) for `durationUs`.
  /// Throws std::runtime_error on failure.
  void Write(std::string_view unit, bool key, std::int64_t ptsUs, std::int64_t durationUs);
  /// Writes the container's end (the MP4's last fragment); throws on failure.
  void Finish();
  /// Bytes written so far (the file's size; for RTSP, the units' bytes).
  std::uint64_t Bytes() const;
  /// What the file will hold once what the muxer buffers (an MP4's fragment in the making) is
  /// out: Bytes() and the units since it last grew.
  std::uint64_t BytesWithBuffered() const { return this->Bytes() + this->Buffered; }

private:
  struct ContextDeleter
  {
    void operator()(AVFormatContext* context) const;
  };
  struct PacketDeleter
  {
    void operator()(AVPacket* packet) const;
  };

  std::function<bool()> Interrupted;
  std::unique_ptr<AVFormatContext, ContextDeleter> Context;
  std::unique_ptr<AVPacket, PacketDeleter> Packet;
  std::uint64_t UnitBytes = 0;
  std::uint64_t Buffered = 0; // unit bytes written since Bytes() last grew
  bool Finished = false;
};
} // namespace renderstream::server

#endif
