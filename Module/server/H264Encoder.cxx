#include "H264Encoder.h"

#include <algorithm>
#include <cmath>
#include <iterator>
#include <thread>
#include <vector>

namespace renderstream::server
{
std::vector<std::string> H264Encoder::Backends()
{
  // A GPU's encoder costs the host nothing; without one it fails to open and the next is tried.
  // OpenH264 before x264: comparable speed and size on rendered scenes (bench: h264Encoders),
  // and its licence (BSD) is the one that matches ours.
  return { "h264_nvenc", "openh264", "libx264" };
}

int H264Encoder::QpFor(const std::string& backend, int quality)
{
  // Measured: JPEG quality -> the coarsest quantiser whose PSNR is still JPEG's (RenderStreamVideoBench
  // --stages match: a drag and an animation at 1280x720). x264's CRF reads the quantiser
  // differently from OpenH264's constant QP; NVENC's constant QP is read as OpenH264's.
  struct Point
  {
    int Quality, Qp;
  };
  // Neighbours that measured within 1 of each other in the wrong order share the coarser value.
  static constexpr Point kOpenH264[] = { { 30, 32 }, { 45, 31 }, { 60, 31 }, { 80, 19 }, { 95, 10 } };
  static constexpr Point kX264[] = { { 30, 38 }, { 45, 35 }, { 60, 35 }, { 80, 27 }, { 95, 10 } };
  const auto& table = backend == "libx264" ? kX264 : kOpenH264;
  const int q = std::clamp(quality, table[0].Quality, std::end(table)[-1].Quality);
  std::size_t i = 1;
  while (table[i].Quality < q)
  {
    ++i;
  }
  const Point& a = table[i - 1];
  const Point& b = table[i];
  const double t = double(q - a.Quality) / (b.Quality - a.Quality);
  return std::clamp(static_cast<int>(std::lround(a.Qp + t * (b.Qp - a.Qp))), kBestQp, kWorstQp);
}

int H264Encoder::ThreadsFor(int width, int height)
{
  constexpr long kSlicedFrom = 2560L * 1440; // pixels: one thread makes 1080p60 (bench: throughput)
  const int cores = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  return static_cast<long>(width) * height >= kSlicedFrom ? std::min(cores, 4) : 1;
}

std::unique_ptr<H264Encoder> H264Encoder::Create(
  const std::string& name, int width, int height, int qp, int threads, std::string& error)
{
  if (name == "openh264")
  {
    return CreateOpenH264Encoder(width, height, qp, threads, error);
  }
  if (name == "libx264" || name == "h264_nvenc")
  {
    return CreateAvH264Encoder(name, width, height, qp, threads, error);
  }
  error = "unknown H.264 encoder '" + name + "'";
  return nullptr;
}

std::string H264Encoder::Choose(const std::string& choice, std::string& error)
{
  const std::vector<std::string> candidates =
    choice == "auto" ? Backends() : std::vector<std::string>{ choice };
  constexpr int kSide = 64;
  const std::vector<std::uint8_t> gray(kSide * kSide, 128);
  YuvView test;
  test.Width = test.Height = kSide;
  for (int plane = 0; plane < 3; ++plane)
  {
    test.Planes[plane] = gray.data();
    test.Strides[plane] = plane == 0 ? kSide : kSide / 2;
  }
  error.clear();
  for (const std::string& name : candidates)
  {
    std::string why;
    AccessUnit unit;
    auto encoder = Create(name, kSide, kSide, 30, 1, why);
    if (encoder && encoder->Encode(test, 0, true, unit, why) && unit.Key && !unit.Data.empty())
    {
      return name;
    }
    error += (error.empty() ? "" : "; ") + name + ": " + (why.empty() ? "no key frame" : why);
  }
  return {};
}
} // namespace renderstream::server
