// One H.264 encoder for one video stream (one rendition level): YUV 4:2:0 pictures in, one
// Annex B access unit out per picture, at once (no B-frames, no lookahead, no frame
// threading: threads split a picture into slices), constrained-baseline profile that every WebCodecs decoder takes. Key frames
// carry their SPS and PPS, so any key frame is a clean starting point for a new decoder.
//
// Backends (H264Encoder.cxx picks, `--video-encoder` forces one):
// - "h264_nvenc" (libavcodec, NVIDIA GPUs): tried first by "auto"; only opens where a GPU is;
// - "openh264" (Cisco's OpenH264, BSD licence, linked directly: Debian's libavcodec lacks it);
// - "libx264" (libavcodec; GPL).
#ifndef renderstream_server_H264Encoder_h
#define renderstream_server_H264Encoder_h

#include "YuvView.h"

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace renderstream::server
{
struct AccessUnit
{
  std::string Data; // Annex B: start codes, then NAL units
  bool Key = false; // an IDR picture (with SPS and PPS): decodable on its own
};

class H264Encoder
{
public:
  /// Quantiser scale 0..51, the same for every backend (x264's CRF, OpenH264's and NVENC's
  /// constant QP): lower is better and bigger.
  static constexpr int kBestQp = 10;
  static constexpr int kWorstQp = 45;

  /// The quantiser at which `backend` matches the PSNR of a 4:2:0 JPEG at `quality` on
  /// rendered frames (bench: match, which measures it and checks this table).
  static int QpFor(const std::string& backend, int quality);
  /// The backends built in, in the order "auto" tries them.
  static std::vector<std::string> Backends();
  /// The backend `choice` ("auto" or one of Backends()) that works here: it opens and encodes
  /// a test picture. Empty, with the reasons in `error`, if none does.
  static std::string Choose(const std::string& choice, std::string& error);
  /// Threads (and so slices, one per thread: no frame is held back) that a width x height
  /// stream gets: one up to 1080p, which one thread encodes in 5 ms (two were 0.85-1.4x as
  /// fast for 20-40 % more CPU on the bench machine's 2 vCPUs, +2-3 % bytes); one per core (at
  /// most 4) above 2560x1440, where one thread cannot make 60 frames a second (bench:
  /// throughput).
  static int ThreadsFor(int width, int height);
  /// An encoder of backend `name` for width x height pictures at quantiser `qp`, encoding each
  /// picture with `threads` threads; null, with `error` filled, if it cannot open.
  static std::unique_ptr<H264Encoder> Create(
    const std::string& name, int width, int height, int qp, int threads, std::string& error);

  virtual ~H264Encoder() = default;
  /// Encodes one picture (even width and height, the encoder's) shown at `timeMs`
  /// (increasing); `forceKey` asks for an IDR picture.
  /// The first picture is always a key frame.
  virtual bool Encode(const YuvView& picture, std::int64_t timeMs, bool forceKey, AccessUnit& out,
    std::string& error) = 0;
  /// Moves the quantiser for the pictures that follow, without a key frame; false if this
  /// backend cannot (then a new encoder is needed).
  virtual bool SetQp(int qp) = 0;
  int Width() const { return this->PictureWidth; }
  int Height() const { return this->PictureHeight; }

protected:
  H264Encoder(int width, int height)
    : PictureWidth(width)
    , PictureHeight(height)
  {
  }

private:
  int PictureWidth;
  int PictureHeight;
};

// The backends' factories (AvH264Encoder.cxx, OpenH264Encoder.cxx).
std::unique_ptr<H264Encoder> CreateAvH264Encoder(
  const std::string& codec, int width, int height, int qp, int threads, std::string& error);
std::unique_ptr<H264Encoder> CreateOpenH264Encoder(
  int width, int height, int qp, int threads, std::string& error);
} // namespace renderstream::server

#endif
