// Reads a render window's finished image straight into caller-provided memory (a shared
// memory slot), in the framebuffer's native BGRA order and bottom-up row order: the fastest
// readback OpenGL offers, about ten times cheaper here than GetRGBACharPixelData.
#ifndef vtkRenderStreamerCapture_h
#define vtkRenderStreamerCapture_h

#include "ipc/Layout.h"

#include <cstddef>
#include <cstdint>

class vtkRenderWindow;

class vtkRenderStreamerCapture
{
public:
  struct Result
  {
    bool Ok = false;
    renderstream::ipc::PixelFormat Format = renderstream::ipc::PixelFormat::BGRA;
  };

  /// Reads the lower-left width x height pixels of `window` into `destination`
  /// (width * height * 4 bytes). Must run on the thread that owns the window's context.
  static Result Read(vtkRenderWindow* window, int width, int height, std::uint8_t* destination);
};

#endif
