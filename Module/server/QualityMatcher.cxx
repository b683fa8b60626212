#include "QualityMatcher.h"

#include "H264Encoder.h"

#include <turbojpeg.h>

extern "C"
{
#include <libavcodec/avcodec.h>
}

#include <algorithm>
#include <cmath>
#include <cstring>

namespace renderstream::server
{
namespace
{
// Squared error and sample count of one plane against another (same size).
void AddPlane(const std::uint8_t* a, int strideA, const std::uint8_t* b, int strideB, int w, int h,
  double& squares, double& samples)
{
  for (int y = 0; y < h; ++y)
  {
    const std::uint8_t* ra = a + std::size_t(y) * strideA;
    const std::uint8_t* rb = b + std::size_t(y) * strideB;
    for (int x = 0; x < w; ++x)
    {
      const int d = int(ra[x]) - int(rb[x]);
      squares += d * d;
    }
  }
  samples += double(w) * h;
}

// PSNR of three planes against `picture`'s (4:2:0 of its size).
double Psnr(const YuvView& picture, const std::uint8_t* const planes[3], const int strides[3])
{
  double squares = 0, samples = 0;
  for (int p = 0; p < 3; ++p)
  {
    const int w = p ? (picture.Width + 1) / 2 : picture.Width, h = p ? (picture.Height + 1) / 2 : picture.Height;
    AddPlane(picture.Planes[p], picture.Strides[p], planes[p], strides[p], w, h, squares, samples);
  }
  return squares == 0 ? 99.0 : 10 * std::log10(255.0 * 255.0 * samples / squares);
}

double JpegPsnr(const YuvView& picture, const std::string& jpeg)
{
  tjhandle handle = tjInitDecompress();
  int w = 0, h = 0, subsampling = 0, colorspace = 0;
  const auto* data = reinterpret_cast<const unsigned char*>(jpeg.data());
  const auto size = static_cast<unsigned long>(jpeg.size());
  double db = 0;
  if (handle && tjDecompressHeader3(handle, data, size, &w, &h, &subsampling, &colorspace) == 0 &&
    w == picture.Width && h == picture.Height && subsampling == TJSAMP_420)
  {
    const int cw = (w + 1) / 2, ch = (h + 1) / 2;
    std::vector<unsigned char> buffer(std::size_t(w) * h + 2 * std::size_t(cw) * ch);
    unsigned char* planes[3] = { buffer.data(), buffer.data() + std::size_t(w) * h,
      buffer.data() + std::size_t(w) * h + std::size_t(cw) * ch };
    int strides[3] = { w, cw, cw };
    if (tjDecompressToYUVPlanes(handle, data, size, planes, w, strides, h, 0) == 0)
    {
      const std::uint8_t* read[3] = { planes[0], planes[1], planes[2] };
      db = Psnr(picture, read, strides);
    }
  }
  tjDestroy(handle);
  return db;
}

double VideoPsnr(const std::string& backend, const YuvView& first, const YuvView& second, int qp)
{
  std::string error;
  auto encoder = H264Encoder::Create(backend, first.Width, first.Height, qp, 1, error);
  AccessUnit key, delta;
  if (!encoder || !encoder->Encode(first, 0, true, key, error) || !encoder->Encode(second, 16, false, delta, error))
  {
    return 0;
  }
  const AVCodec* codec = avcodec_find_decoder(AV_CODEC_ID_H264);
  AVCodecContext* context = codec ? avcodec_alloc_context3(codec) : nullptr;
  AVPacket* packet = av_packet_alloc();
  AVFrame* frame = av_frame_alloc();
  double db = 0;
  if (context && packet && frame && avcodec_open2(context, codec, nullptr) == 0)
  {
    // The second picture decoded is the delta frame's (the decoder may hold it until flushed).
    int received = 0;
    const auto take = [&] {
      while (avcodec_receive_frame(context, frame) == 0)
      {
        if (++received == 2 && frame->width == second.Width && frame->height == second.Height)
        {
          const std::uint8_t* planes[3] = { frame->data[0], frame->data[1], frame->data[2] };
          const int strides[3] = { frame->linesize[0], frame->linesize[1], frame->linesize[2] };
          db = Psnr(second, planes, strides);
        }
      }
    };
    for (AccessUnit* unit : { &key, &delta })
    {
      packet->data = reinterpret_cast<std::uint8_t*>(unit->Data.data());
      packet->size = static_cast<int>(unit->Data.size());
      avcodec_send_packet(context, packet);
      take();
    }
    avcodec_send_packet(context, nullptr);
    take();
  }
  av_frame_free(&frame);
  av_packet_free(&packet);
  avcodec_free_context(&context);
  return db;
}
} // namespace

QualityMatcher::Measurement QualityMatcher::Measure(const std::string& backend, const YuvView& picture,
  const std::string& jpeg, const YuvView& next, int qp)
{
  Measurement m;
  m.JpegDb = JpegPsnr(picture, jpeg);
  if (next.Width == picture.Width && next.Height == picture.Height)
  {
    m.VideoDb = VideoPsnr(backend, EvenCrop(picture), EvenCrop(next), qp);
  }
  m.Ok = m.JpegDb > 0 && m.VideoDb > 0;
  return m;
}

int QualityMatcher::Matched(int qp, const Measurement& m)
{
  if (!m.Ok)
  {
    return qp;
  }
  // Finer than JPEG (more dB): a coarser quantiser; rounded towards no change.
  const double steps = (m.VideoDb - m.JpegDb) / kDbPerQp;
  const int step = std::clamp(static_cast<int>(steps > 0 ? std::floor(steps) : std::ceil(steps)), -kMaxStep, kMaxStep);
  return std::clamp(qp + step, H264Encoder::kBestQp, H264Encoder::kWorstQp);
}

QualityMatcher::QualityMatcher(std::string backend, int tableQp)
  : Backend(std::move(backend))
  , TableQp(tableQp)
  , Thread([this] { this->Run(); })
{
}

QualityMatcher::~QualityMatcher()
{
  {
    std::lock_guard<std::mutex> lock(this->Mutex);
    this->Stop = true;
  }
  this->Wake.notify_one();
  this->Thread.join();
}

bool QualityMatcher::Due(std::chrono::steady_clock::time_point now) const
{
  return !this->Waiting && now - this->LastProbe >= kInterval;
}

void QualityMatcher::Copy::Take(const YuvView& picture)
{
  const int cw = (picture.Width + 1) / 2, ch = (picture.Height + 1) / 2;
  const std::size_t luma = std::size_t(picture.Width) * picture.Height, chroma = std::size_t(cw) * ch;
  this->Planes.resize(luma + 2 * chroma);
  this->View = picture;
  for (int p = 0; p < 3; ++p)
  {
    const int w = p ? cw : picture.Width, h = p ? ch : picture.Height;
    std::uint8_t* out = this->Planes.data() + (p == 0 ? 0 : luma + (p - 1) * chroma);
    for (int y = 0; y < h; ++y)
    {
      std::memcpy(out + std::size_t(y) * w, picture.Planes[p] + std::size_t(y) * picture.Strides[p], w);
    }
    this->View.Planes[p] = out;
    this->View.Strides[p] = w;
  }
}

void QualityMatcher::Start(const YuvView& picture, FramePtr jpeg, std::chrono::steady_clock::time_point now)
{
  std::lock_guard<std::mutex> lock(this->Mutex);
  this->LastProbe = now;
  if (this->Busy || !jpeg || picture.Width < 16 || picture.Height < 16)
  {
    return;
  }
  this->First.Take(picture);
  this->Jpeg = std::move(jpeg);
  this->Waiting = true;
}

void QualityMatcher::Next(const YuvView& picture, int qp)
{
  std::lock_guard<std::mutex> lock(this->Mutex);
  this->Waiting = false;
  this->Second.Take(picture);
  this->Qp = qp;
  this->Busy = true;
  this->Wake.notify_one();
}

void QualityMatcher::Run()
{
  std::unique_lock<std::mutex> lock(this->Mutex);
  while (true)
  {
    this->Wake.wait(lock, [this] { return this->Stop || this->Busy; });
    if (this->Stop)
    {
      return;
    }
    const FramePtr jpeg = this->Jpeg;
    const int qp = this->Qp;
    lock.unlock(); // Start() and Next() see Busy or Waiting and leave the copies alone
    const Measurement m = Measure(this->Backend, this->First.View, jpeg->Data, this->Second.View, qp);
    const int offset = std::clamp(Matched(qp, m) - this->TableQp, -kMaxOffset, kMaxOffset);
    this->CurrentOffset.store(offset, std::memory_order_relaxed);
    lock.lock();
    this->Busy = false;
    this->Jpeg.reset();
  }
}
} // namespace renderstream::server
