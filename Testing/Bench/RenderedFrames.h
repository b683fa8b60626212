// Frames rendered before a measurement starts, so that rendering is not measured with it: the
// bench scene turning (a drag) or its spheres moving (an animation), bottom-up as the
// streamer publishes them.
#ifndef RenderStream_RenderedFrames_h
#define RenderStream_RenderedFrames_h

#include "BenchCommon.h"
#include "StreamSegment.h" // for FrameView

#include <vtkUnsignedCharArray.h>

#include <cstdint>
#include <vector>

namespace renderstream::bench
{
struct Frame
{
  std::vector<std::uint8_t> Rgb; // bottom-up, as the streamer publishes
  int Width = 0;
  int Height = 0;

  ipc::FrameView View() const
  {
    ipc::FrameView view;
    view.Info.Width = static_cast<std::uint32_t>(this->Width);
    view.Info.Height = static_cast<std::uint32_t>(this->Height);
    view.Info.Format = ipc::PixelFormat::RGB;
    view.Info.BottomUp = 1;
    view.Pixels = this->Rgb.data();
    return view;
  }
  /// The same pixels as BGRA, the streamer's own format (what glReadPixels gives it).
  std::vector<std::uint8_t> Bgra() const
  {
    std::vector<std::uint8_t> out(this->Rgb.size() / 3 * 4);
    for (std::size_t i = 0, o = 0; i < this->Rgb.size(); i += 3, o += 4)
    {
      out[o] = this->Rgb[i + 2];
      out[o + 1] = this->Rgb[i + 1];
      out[o + 2] = this->Rgb[i];
      out[o + 3] = 255;
    }
    return out;
  }
};

inline std::vector<Frame> Render(Scene& scene, int count, bool animate)
{
  const int* size = scene.Window->GetSize();
  std::vector<Frame> frames;
  vtkNew<vtkUnsignedCharArray> pixels;
  for (int i = 0; i < count; ++i)
  {
    if (animate)
    {
      for (int a = 0; a < 3; ++a)
      {
        scene.Actors[a]->SetPosition(0.4 * std::sin(0.15 * i + 2 * a), 0.3 * std::cos(0.11 * i + a), 0);
      }
    }
    else
    {
      scene.Renderer->GetActiveCamera()->Azimuth(2.0);
    }
    scene.Window->Render();
    scene.Window->GetPixelData(0, 0, size[0] - 1, size[1] - 1, 0, pixels);
    frames.push_back({ std::vector<std::uint8_t>(pixels->GetPointer(0), pixels->GetPointer(0) + pixels->GetNumberOfValues()),
      size[0], size[1] });
  }
  return frames;
}
} // namespace renderstream::bench

#endif
