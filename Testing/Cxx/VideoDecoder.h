// Test and bench helper: decodes H.264 access units (Annex B, one per message, as /ws?codec=h264
// sends them) with libavcodec into top-down RGB, and measures PSNR. Independent of the
// server's encoders: libavcodec's own decoder, as a browser's would be.
#ifndef renderstream_Testing_VideoDecoder_h
#define renderstream_Testing_VideoDecoder_h

#include "TestClient.h" // for DecodedImage

extern "C"
{
#include <libavcodec/avcodec.h>
#include <libswscale/swscale.h>
}

#include <cmath>
#include <string>

namespace renderstream::testing
{
class VideoDecoder
{
public:
  VideoDecoder()
  {
    const AVCodec* codec = avcodec_find_decoder(AV_CODEC_ID_H264);
    this->Context = avcodec_alloc_context3(codec);
    this->Context->thread_count = 1; // a picture out for each access unit in
    avcodec_open2(this->Context, codec, nullptr);
    this->Frame = av_frame_alloc();
    this->Packet = av_packet_alloc();
  }
  ~VideoDecoder()
  {
    sws_freeContext(this->Scaler);
    av_packet_free(&this->Packet);
    av_frame_free(&this->Frame);
    avcodec_free_context(&this->Context);
  }
  VideoDecoder(const VideoDecoder&) = delete;
  VideoDecoder& operator=(const VideoDecoder&) = delete;

  /// Decodes one access unit; Ok is false if it did not yield a picture (e.g. a delta frame
  /// with no key frame before it, or corrupt data).
  DecodedImage Decode(const std::string& unit)
  {
    DecodedImage image;
    av_new_packet(this->Packet, static_cast<int>(unit.size()));
    std::copy(unit.begin(), unit.end(), this->Packet->data);
    const int sent = avcodec_send_packet(this->Context, this->Packet);
    av_packet_unref(this->Packet);
    if (sent < 0 || avcodec_receive_frame(this->Context, this->Frame) < 0 ||
      (this->Frame->decode_error_flags != 0))
    {
      return image;
    }
    image.Width = this->Frame->width;
    image.Height = this->Frame->height;
    image.Rgb.resize(std::size_t(image.Width) * image.Height * 3);
    this->Scaler = sws_getCachedContext(this->Scaler, image.Width, image.Height,
      static_cast<AVPixelFormat>(this->Frame->format), image.Width, image.Height, AV_PIX_FMT_RGB24,
      SWS_BILINEAR, nullptr, nullptr, nullptr);
    int *inverse = nullptr, *table = nullptr;
    int range = 0, outRange = 0, brightness = 0, contrast = 0, saturation = 0;
    sws_getColorspaceDetails(this->Scaler, &inverse, &range, &table, &outRange, &brightness, &contrast, &saturation);
    sws_setColorspaceDetails(this->Scaler, inverse, this->Frame->color_range == AVCOL_RANGE_JPEG ? 1 : 0,
      table, outRange, brightness, contrast, saturation); // what the stream's VUI says
    std::uint8_t* planes[1] = { image.Rgb.data() };
    const int strides[1] = { image.Width * 3 };
    sws_scale(this->Scaler, this->Frame->data, this->Frame->linesize, 0, image.Height, planes, strides);
    av_frame_unref(this->Frame);
    image.Ok = true;
    return image;
  }

private:
  AVCodecContext* Context = nullptr;
  AVFrame* Frame = nullptr;
  AVPacket* Packet = nullptr;
  SwsContext* Scaler = nullptr;
};

/// PSNR in dB of `image` against `expected(x, y)` (an Rgb), over the image's area.
template <typename Expected>
double Psnr(const DecodedImage& image, Expected expected)
{
  double squared = 0;
  for (int y = 0; y < image.Height; ++y)
  {
    for (int x = 0; x < image.Width; ++x)
    {
      const unsigned char* p = image.At(x, y);
      const auto want = expected(x, y);
      const double d[3] = { double(p[0]) - want.R, double(p[1]) - want.G, double(p[2]) - want.B };
      squared += d[0] * d[0] + d[1] * d[1] + d[2] * d[2];
    }
  }
  const double mse = squared / (3.0 * image.Width * image.Height);
  return mse <= 0 ? 99.0 : 10 * std::log10(255.0 * 255.0 / mse);
}
} // namespace renderstream::testing

#endif
