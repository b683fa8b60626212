#include "VideoMuxer.h"

#include "AvError.h"

extern "C"
{
#include <libavcodec/avcodec.h>
#include <libavcodec/bsf.h>
#include <libavformat/avformat.h>
}

#include <algorithm>
#include <cctype>
#include <cstring>
#include <stdexcept>

namespace renderstream::server
{
namespace
{
constexpr AVRational kMicroseconds{ 1, 1000000 };

void Check(int code, const std::string& what)
{
  if (code < 0)
  {
    throw std::runtime_error(what + ": " + AvError(code));
  }
}

std::string Scheme(std::string_view url)
{
  const auto colon = url.find("://");
  std::string scheme(url.substr(0, colon == std::string_view::npos ? 0 : colon));
  std::transform(scheme.begin(), scheme.end(), scheme.begin(), [](unsigned char c) { return std::tolower(c); });
  return scheme;
}

// The SPS and PPS of a key frame, found by libavcodec's extract_extradata filter: the
// muxers' codec configuration (MP4's avcC, FLV's sequence header, the SDP of RTSP).
std::string ParameterSets(std::string_view keyFrame)
{
  AVBSFContext* raw = nullptr;
  Check(av_bsf_alloc(av_bsf_get_by_name("extract_extradata"), &raw), "extract_extradata");
  std::unique_ptr<AVBSFContext, void (*)(AVBSFContext*)> filter(raw, [](AVBSFContext* f) { av_bsf_free(&f); });
  filter->par_in->codec_type = AVMEDIA_TYPE_VIDEO;
  filter->par_in->codec_id = AV_CODEC_ID_H264;
  Check(av_bsf_init(filter.get()), "extract_extradata");
  std::unique_ptr<AVPacket, void (*)(AVPacket*)> packet(av_packet_alloc(), [](AVPacket* p) { av_packet_free(&p); });
  Check(packet ? av_new_packet(packet.get(), static_cast<int>(keyFrame.size())) : AVERROR(ENOMEM), "extract_extradata");
  std::memcpy(packet->data, keyFrame.data(), keyFrame.size());
  Check(av_bsf_send_packet(filter.get(), packet.get()), "extract_extradata");
  Check(av_bsf_receive_packet(filter.get(), packet.get()), "extract_extradata");
  std::size_t size = 0;
  const std::uint8_t* data = av_packet_get_side_data(packet.get(), AV_PKT_DATA_NEW_EXTRADATA, &size);
  if (!data || size == 0)
  {
    throw std::runtime_error("the stream's first key frame has no SPS and PPS");
  }
  return std::string(reinterpret_cast<const char*>(data), size);
}
} // namespace

std::string VideoMuxer::FormatFor(std::string_view url)
{
  const std::string scheme = Scheme(url);
  if (scheme.empty())
  {
    return "mp4";
  }
  if (scheme == "rtmp" || scheme == "rtmps")
  {
    return "flv";
  }
  if (scheme == "srt")
  {
    return "mpegts";
  }
  return scheme == "rtsp" ? "rtsp" : "";
}

bool VideoMuxer::IsNetwork(std::string_view url)
{
  return !Scheme(url).empty();
}

void VideoMuxer::ContextDeleter::operator()(AVFormatContext* context) const
{
  if (context->pb && !(context->oformat->flags & AVFMT_NOFILE))
  {
    avio_closep(&context->pb);
  }
  avformat_free_context(context);
}

void VideoMuxer::PacketDeleter::operator()(AVPacket* packet) const
{
  av_packet_free(&packet);
}

VideoMuxer::VideoMuxer(const std::string& url, std::string_view keyFrame, int width, int height,
  std::function<bool()> interrupted)
  : Interrupted(std::move(interrupted))
  , Packet(av_packet_alloc())
{
  const std::string format = FormatFor(url);
  if (format.empty())
  {
    throw std::runtime_error("not a file nor an rtmp://, rtmps://, srt:// or rtsp:// URL");
  }
  // A file's path may hold a colon: "file:" keeps libavformat from reading a protocol in it.
  const std::string target = IsNetwork(url) ? url : "file:" + url;
  AVFormatContext* raw = nullptr;
  Check(avformat_alloc_output_context2(&raw, nullptr, format.c_str(), target.c_str()), "no " + format + " muxer");
  this->Context.reset(raw);
  this->Context->interrupt_callback.callback = [](void* self) -> int {
    return static_cast<VideoMuxer*>(self)->Interrupted() ? 1 : 0;
  };
  this->Context->interrupt_callback.opaque = this;

  AVStream* stream = avformat_new_stream(this->Context.get(), nullptr);
  if (!stream || !this->Packet)
  {
    throw std::runtime_error(AvError(AVERROR(ENOMEM)));
  }
  stream->time_base = kMicroseconds; // a wish: the muxer may choose its own
  AVCodecParameters* codec = stream->codecpar;
  codec->codec_type = AVMEDIA_TYPE_VIDEO;
  codec->codec_id = AV_CODEC_ID_H264;
  codec->width = width;
  codec->height = height;
  const std::string sets = ParameterSets(keyFrame);
  codec->extradata = static_cast<std::uint8_t*>(av_mallocz(sets.size() + AV_INPUT_BUFFER_PADDING_SIZE));
  if (!codec->extradata)
  {
    throw std::runtime_error(AvError(AVERROR(ENOMEM)));
  }
  std::memcpy(codec->extradata, sets.data(), sets.size());
  codec->extradata_size = static_cast<int>(sets.size());

  if (!(this->Context->oformat->flags & AVFMT_NOFILE))
  {
    Check(avio_open2(&this->Context->pb, target.c_str(), AVIO_FLAG_WRITE, &this->Context->interrupt_callback, nullptr),
      "cannot open");
  }
  AVDictionary* options = nullptr;
  if (format == "mp4")
  {
    av_dict_set(&options, "movflags", "frag_keyframe+empty_moov+default_base_moof", 0);
    av_dict_set(&options, "frag_duration", "500000", 0); // a fragment every half second at least
    av_dict_set(&options, "flush_packets", "1", 0);       // ...on the disk at once
  }
  else if (format == "rtsp")
  {
    av_dict_set(&options, "rtsp_transport", "tcp", 0); // through firewalls, no lost packets
  }
  const int written = avformat_write_header(this->Context.get(), &options);
  av_dict_free(&options);
  Check(written, "cannot start the stream");
}

VideoMuxer::~VideoMuxer()
{
  try
  {
    this->Finish();
  }
  catch (const std::exception&)
  {
    // A broken connection or a full disk: what was written stays written.
  }
}

void VideoMuxer::Write(std::string_view unit, bool key, std::int64_t ptsUs, std::int64_t durationUs)
{
  AVPacket* packet = this->Packet.get();
  av_packet_unref(packet);
  Check(av_new_packet(packet, static_cast<int>(unit.size())), "out of memory");
  std::memcpy(packet->data, unit.data(), unit.size());
  packet->pts = packet->dts = ptsUs;
  packet->duration = durationUs;
  packet->flags = key ? AV_PKT_FLAG_KEY : 0;
  packet->stream_index = 0;
  av_packet_rescale_ts(packet, kMicroseconds, this->Context->streams[0]->time_base);
  const std::uint64_t before = this->Bytes();
  Check(av_write_frame(this->Context.get(), packet), "write failed");
  this->UnitBytes += unit.size();
  // A fragment went out (with every unit but, perhaps, this one): count this one as held.
  this->Buffered = this->Bytes() > before ? unit.size() : this->Buffered + unit.size();
}

void VideoMuxer::Finish()
{
  if (this->Finished)
  {
    return;
  }
  this->Finished = true;
  Check(av_write_trailer(this->Context.get()), "cannot finish the stream");
}

std::uint64_t VideoMuxer::Bytes() const
{
  const AVIOContext* io = this->Context->pb;
  return io ? static_cast<std::uint64_t>(std::max<std::int64_t>(0, avio_tell(const_cast<AVIOContext*>(io)))) : this->UnitBytes;
}
} // namespace renderstream::server
