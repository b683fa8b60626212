// H.264 through libavcodec: libx264 (software) and h264_nvenc (NVIDIA GPUs), which take
// system-memory YUV 4:2:0 pictures as they are. (VA-API and QSV need hardware frame pools;
// they are not wired up.)
#include "AvError.h"
#include "H264Encoder.h"

extern "C"
{
#include <libavcodec/avcodec.h>
#include <libavutil/error.h>
#include <libavutil/opt.h>
}

#include <cstring>

namespace renderstream::server
{
namespace
{
struct CodecContextDeleter
{
  void operator()(AVCodecContext* c) const { avcodec_free_context(&c); }
};
struct FrameDeleter
{
  void operator()(AVFrame* f) const { av_frame_free(&f); }
};
struct PacketDeleter
{
  void operator()(AVPacket* p) const { av_packet_free(&p); }
};

class AvH264Encoder final : public H264Encoder
{
public:
  AvH264Encoder(int width, int height)
    : H264Encoder(width, height)
  {
  }

  bool Open(const std::string& name, int qp, int threads, std::string& error)
  {
    this->Name = name;
    const AVCodec* codec = avcodec_find_encoder_by_name(name.c_str());
    if (!codec)
    {
      error = "this libavcodec has no " + name;
      return false;
    }
    this->Context.reset(avcodec_alloc_context3(codec));
    this->Frame.reset(av_frame_alloc());
    this->Packet.reset(av_packet_alloc());
    if (!this->Context || !this->Frame || !this->Packet)
    {
      error = "out of memory";
      return false;
    }
    AVCodecContext& c = *this->Context;
    c.width = this->Width();
    c.height = this->Height();
    c.pix_fmt = AV_PIX_FMT_YUV420P;
    c.time_base = { 1, 1000 }; // timestamps in ms: frames come when the scene changes
    c.framerate = { 30, 1 };   // the rate control's nominal pace
    c.max_b_frames = 0;
    c.gop_size = 1 << 30; // key frames only when asked for (new viewers, skips, errors)
    // One picture in, one access unit out: x264's zerolatency tune makes its threads slices
    // of the picture (sliced-threads), never frames held back.
    c.thread_count = threads;
    c.thread_type = FF_THREAD_SLICE;
    c.color_range = AVCOL_RANGE_JPEG; // full range, as YuvConverter makes it
    c.colorspace = AVCOL_SPC_SMPTE170M; // what libswscale's RGB -> YUV uses
    c.color_primaries = AVCOL_PRI_BT709;
    c.color_trc = AVCOL_TRC_IEC61966_2_1;
    AVDictionary* options = nullptr;
    if (name == "libx264")
    {
      av_dict_set(&options, "preset", "ultrafast", 0);
      av_dict_set(&options, "tune", "zerolatency", 0);
      av_dict_set(&options, "profile", "baseline", 0);
      av_dict_set(&options, "forced-idr", "1", 0);
      av_dict_set_int(&options, "crf", qp, 0);
    }
    else // h264_nvenc
    {
      av_dict_set(&options, "preset", "p1", 0);
      av_dict_set(&options, "tune", "ull", 0);
      av_dict_set(&options, "profile", "baseline", 0);
      av_dict_set(&options, "rc", "constqp", 0);
      av_dict_set_int(&options, "qp", qp, 0);
      av_dict_set(&options, "zerolatency", "1", 0);
      av_dict_set(&options, "forced-idr", "1", 0);
    }
    const int opened = avcodec_open2(&c, codec, &options);
    av_dict_free(&options);
    if (opened < 0)
    {
      error = "cannot open " + name + ": " + AvError(opened);
      return false;
    }
    this->Frame->format = c.pix_fmt;
    this->Frame->width = c.width;
    this->Frame->height = c.height;
    return true;
  }

  bool SetQp(int qp) override
  {
    // libavcodec's x264 wrapper reconfigures x264 when its "crf" option changed (no key frame);
    // NVENC's constant QP is fixed at open.
    return this->Name == "libx264" && av_opt_set_double(this->Context->priv_data, "crf", qp, 0) >= 0;
  }

  bool Encode(const YuvView& picture, std::int64_t timeMs, bool forceKey, AccessUnit& out,
    std::string& error) override
  {
    AVFrame& frame = *this->Frame;
    for (int plane = 0; plane < 3; ++plane)
    {
      // libavcodec only reads the picture: it is our caller's buffer, not a copy.
      frame.data[plane] = const_cast<std::uint8_t*>(picture.Planes[plane]);
      frame.linesize[plane] = picture.Strides[plane];
    }
    frame.pts = timeMs;
    frame.pict_type = forceKey || this->First ? AV_PICTURE_TYPE_I : AV_PICTURE_TYPE_NONE;
    this->First = false;
    int result = avcodec_send_frame(this->Context.get(), &frame);
    if (result >= 0)
    {
      result = avcodec_receive_packet(this->Context.get(), this->Packet.get());
    }
    if (result < 0)
    {
      error = "encoding failed: " + AvError(result);
      return false;
    }
    out.Data.assign(reinterpret_cast<const char*>(this->Packet->data), this->Packet->size);
    out.Key = (this->Packet->flags & AV_PKT_FLAG_KEY) != 0;
    av_packet_unref(this->Packet.get());
    return true;
  }

private:
  std::string Name;
  std::unique_ptr<AVCodecContext, CodecContextDeleter> Context;
  std::unique_ptr<AVFrame, FrameDeleter> Frame;
  std::unique_ptr<AVPacket, PacketDeleter> Packet;
  bool First = true;
};
} // namespace

std::unique_ptr<H264Encoder> CreateAvH264Encoder(
  const std::string& codec, int width, int height, int qp, int threads, std::string& error)
{
  auto encoder = std::make_unique<AvH264Encoder>(width, height);
  if (!encoder->Open(codec, qp, threads, error))
  {
    return nullptr;
  }
  return encoder;
}
} // namespace renderstream::server
