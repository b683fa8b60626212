#include "H264Encoder.h"

#include <algorithm>
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

int H264Encoder::ThreadsFor(int width, int height)
{
  constexpr long kSlicedFrom = 1280L * 720; // pixels
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
