// convert: the RGB -> YUV 4:2:0 candidates on the same rendered frames (BGRA, bottom-up, as the
// streamer publishes them) at 1280x720 and 1920x1080: YuvConverter (the server's), libyuv and
// libswscale. Quality: each result is turned back into RGB by the exact inverse and compared
// with the rendered pixels (PSNR), next to an exact double-precision full-range BT.601
// conversion (2x2 chroma means): the loss is the candidate's own. Time: median of repeated
// conversions of the frames.
#include "RenderedFrames.h"
#include "VideoStages.h"
#include "YuvConverter.h"

#include <libyuv/convert_from_argb.h>

extern "C"
{
#include <libswscale/swscale.h>
}

#include <functional>

namespace renderstream::bench
{
namespace
{
using Clock = std::chrono::steady_clock;

namespace rs = renderstream::server;

// Planes of the candidates that write into buffers of the bench's.
struct Planes
{
  Planes(int w, int h)
    : W(w)
    , H(h)
    , Y(std::size_t(w) * h)
    , U(std::size_t(w / 2) * (h / 2))
    , V(U.size())
  {
  }
  rs::YuvView View() const
  {
    rs::YuvView view;
    view.Planes[0] = this->Y.data(), view.Planes[1] = this->U.data(), view.Planes[2] = this->V.data();
    view.Strides[0] = this->W, view.Strides[1] = view.Strides[2] = this->W / 2;
    view.Width = this->W, view.Height = this->H;
    return view;
  }
  int W, H;
  std::vector<std::uint8_t> Y, U, V;
};
using Convert = std::function<void(const std::uint8_t* bgraBottomUp, Planes& out)>;

std::uint8_t Clamp(double v)
{
  return static_cast<std::uint8_t>(std::clamp(std::lround(v), 0L, 255L));
}

// Top-down pixel (x, y) of a bottom-up BGRA frame.
const std::uint8_t* Pixel(const std::uint8_t* bgra, int w, int h, int x, int y)
{
  return bgra + (std::size_t(h - 1 - y) * w + x) * 4;
}

void Exact(const std::uint8_t* bgra, Planes& o)
{
  for (int y = 0; y < o.H; ++y)
  {
    for (int x = 0; x < o.W; ++x)
    {
      const std::uint8_t* q = Pixel(bgra, o.W, o.H, x, y);
      o.Y[std::size_t(y) * o.W + x] = Clamp(0.299 * q[2] + 0.587 * q[1] + 0.114 * q[0]);
    }
  }
  for (int y = 0; y < o.H / 2; ++y)
  {
    for (int x = 0; x < o.W / 2; ++x)
    {
      double r = 0, g = 0, b = 0;
      for (int k = 0; k < 4; ++k)
      {
        const std::uint8_t* q = Pixel(bgra, o.W, o.H, 2 * x + k % 2, 2 * y + k / 2);
        b += q[0] / 4.0, g += q[1] / 4.0, r += q[2] / 4.0;
      }
      o.U[std::size_t(y) * (o.W / 2) + x] = Clamp(128 - 0.168736 * r - 0.331264 * g + 0.5 * b);
      o.V[std::size_t(y) * (o.W / 2) + x] = Clamp(128 + 0.5 * r - 0.418688 * g - 0.081312 * b);
    }
  }
}

Convert Swscale(int w, int h, int flags)
{
  auto context = std::shared_ptr<SwsContext>(
    sws_getContext(w, h, AV_PIX_FMT_BGRA, w, h, AV_PIX_FMT_YUV420P, flags, nullptr, nullptr, nullptr), sws_freeContext);
  int *inverse = nullptr, *table = nullptr, sourceRange = 0, range = 0, brightness = 0, contrast = 0, saturation = 0;
  sws_getColorspaceDetails(context.get(), &inverse, &sourceRange, &table, &range, &brightness, &contrast, &saturation);
  sws_setColorspaceDetails(context.get(), inverse, sourceRange, table, 1, brightness, contrast, saturation);
  return [context](const std::uint8_t* bgra, Planes& o) {
    const std::uint8_t* source[1] = { bgra + std::size_t(o.H - 1) * o.W * 4 };
    const int sourceStride[1] = { -o.W * 4 };
    std::uint8_t* planes[3] = { o.Y.data(), o.U.data(), o.V.data() };
    const int strides[3] = { o.W, o.W / 2, o.W / 2 };
    sws_scale(context.get(), source, sourceStride, 0, o.H, planes, strides);
  };
}

Convert Libyuv(decltype(&libyuv::ARGBToJ420) function)
{
  return [function](const std::uint8_t* bgra, Planes& o) {
    function(bgra, o.W * 4, o.Y.data(), o.W, o.U.data(), o.W / 2, o.V.data(), o.W / 2, o.W, -o.H);
  };
}

// PSNR of `p` turned back into RGB exactly, against the frame. `limited`: p is in BT.601's
// limited range (16..235, 16..240), widened first.
double Psnr(const std::uint8_t* bgra, const rs::YuvView& p, bool limited = false)
{
  double squares = 0;
  for (int y = 0; y < p.Height; ++y)
  {
    for (int x = 0; x < p.Width; ++x)
    {
      const std::uint8_t* q = Pixel(bgra, p.Width, p.Height, x, y);
      double luma = p.Planes[0][std::size_t(y) * p.Strides[0] + x];
      double u = p.Planes[1][std::size_t(y / 2) * p.Strides[1] + x / 2] - 128.0;
      double v = p.Planes[2][std::size_t(y / 2) * p.Strides[2] + x / 2] - 128.0;
      if (limited)
      {
        luma = (luma - 16) * 255 / 219, u *= 255.0 / 224, v *= 255.0 / 224;
      }
      const double rgb[3] = { luma + 1.402 * v, luma - 0.344136 * u - 0.714136 * v, luma + 1.772 * u };
      for (int k = 0; k < 3; ++k)
      {
        const double e = Clamp(rgb[k]) - double(q[2 - k]);
        squares += e * e;
      }
    }
  }
  return 10 * std::log10(255.0 * 255.0 / (squares / (3.0 * p.Width * p.Height)));
}

struct Candidate
{
  const char* Name;
  // Converts a frame and says where its planes are (valid until the next call).
  std::function<rs::YuvView(const std::uint8_t* bgraBottomUp)> Run;
  bool Limited = false;
};

Candidate Into(const char* name, Planes& planes, Convert convert, bool limited = false)
{
  return { name, [&planes, convert](const std::uint8_t* bgra) {
            convert(bgra, planes);
            return planes.View();
          },
    limited };
}
} // namespace

json ConvertStage(const BenchOptions& options)
{
  json out = json::object();
  std::string figure;
  double chosenMs720 = 0, worstLoss = 0;
  for (const auto& [w, h] : { std::pair{ 1280, 720 }, std::pair{ 1920, 1080 } })
  {
    Scene scene(w, h);
    std::vector<std::vector<std::uint8_t>> frames;
    for (const Frame& f : Render(scene, options.Smoke ? 2 : 6, false))
    {
      frames.push_back(f.Bgra());
    }
    rs::YuvConverter converter;
    std::uint64_t sequence = 0;
    Planes planes(w, h);
    const Candidate candidates[] = {
      Into("exact (double precision, reference)", planes, Exact),
      { "YuvConverter (chosen: own vectorised loop)",
        [&](const std::uint8_t* bgra) {
          ipc::FrameView view;
          view.Info.Width = static_cast<std::uint32_t>(w);
          view.Info.Height = static_cast<std::uint32_t>(h);
          view.Info.Format = ipc::PixelFormat::BGRA;
          view.Info.BottomUp = 1;
          view.Info.Sequence = ++sequence; // a new frame each time: nothing cached
          view.Pixels = bgra;
          return converter.Convert(view, 1);
        } },
      Into("libyuv ARGBToJ420 (full range)", planes, Libyuv(libyuv::ARGBToJ420)),
      Into("libyuv ARGBToI420 (limited range)", planes, Libyuv(libyuv::ARGBToI420), true),
      Into("libswscale bilinear (before)", planes, Swscale(w, h, SWS_BILINEAR)),
      Into("libswscale bilinear, accurate rounding", planes, Swscale(w, h, SWS_BILINEAR | SWS_ACCURATE_RND)),
      Into("libswscale fast bilinear", planes, Swscale(w, h, SWS_FAST_BILINEAR)),
      Into("libswscale area", planes, Swscale(w, h, SWS_AREA)),
    };
    json rows = json::object();
    double exactDb = 0, bareMs = 0;
    const std::string size = std::to_string(w) + "x" + std::to_string(h);
    figure += (figure.empty() ? "" : "; ") + size + ":";
    for (const Candidate& candidate : candidates)
    {
      const bool exact = &candidate == &candidates[0], chosen = &candidate == &candidates[1];
      double db = 0;
      for (const auto& frame : frames)
      {
        db += Psnr(frame.data(), candidate.Run(frame.data()), candidate.Limited) / static_cast<double>(frames.size());
      }
      std::vector<double> ms;
      const int repeats = exact ? 1 : (options.Smoke ? 5 : 30);
      for (int i = 0; i < repeats; ++i)
      {
        const auto& frame = frames[std::size_t(i) % frames.size()];
        const auto start = Clock::now();
        candidate.Run(frame.data());
        ms.push_back(std::chrono::duration<double, std::milli>(Clock::now() - start).count());
      }
      const double median = Percentile(ms, 50);
      exactDb = exact ? db : exactDb;
      const double loss = exactDb - db;
      rows[candidate.Name] = { { "ms", Round(median, 3) }, { "psnrDb", Round(db, 2) }, { "lossDb", Round(loss, 2) } };
      const std::string name = candidate.Name;
      if (chosen)
      {
        chosenMs720 = w == 1280 ? median : chosenMs720;
        worstLoss = std::max(worstLoss, loss);
        figure += " YuvConverter " + Fmt(median, 2) + " ms " + Fmt(loss, 2) + " dB below exact";
      }
      else if (!exact)
      {
        bareMs = name.rfind("libyuv ARGBToJ420", 0) == 0 ? median : bareMs;
        figure += ", " + name + " " + Fmt(median, 2) + " ms " + Fmt(loss, 2) + " dB";
      }
    }
    rows["exactPsnrDb"] = Round(exactDb, 2);
    rows["bareMs"] = Round(bareMs, 3);
    out[size] = rows;
  }
  const bool met = chosenMs720 <= 1.0 && worstLoss <= 0.2;
  out["summary"] = Summary(figure, chosenMs720, "<= 1.0 ms at 1280x720, <= 0.2 dB below exact", met);
  return out;
}
} // namespace renderstream::bench
