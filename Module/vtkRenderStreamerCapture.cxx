#include "vtkRenderStreamerCapture.h"

#include "vtkNew.h"                      // for vtkNew
#include "vtkOpenGLFramebufferObject.h" // for the display framebuffer
#include "vtkOpenGLRenderWindow.h"      // for the OpenGL context
#include "vtkOpenGLState.h"             // for saving/restoring GL bindings
#include "vtkUnsignedCharArray.h"       // for the generic fallback
#include "vtk_glew.h"                   // for glReadPixels

#include <cstring>

using renderstream::ipc::PixelFormat;

namespace
{
// Generic path for non-OpenGL windows: VTK's own readback, written in place (no copy).
vtkRenderStreamerCapture::Result ReadWithVTK(vtkRenderWindow* window, int width, int height, std::uint8_t* destination)
{
  vtkNew<vtkUnsignedCharArray> view;
  view->SetNumberOfComponents(4);
  view->SetArray(destination, vtkIdType(width) * height * 4, /*save=*/1);
  const bool ok = window->GetRGBACharPixelData(0, 0, width - 1, height - 1, /*front=*/0, view) != 0;
  return { ok && view->GetPointer(0) == destination, PixelFormat::RGBA };
}
} // namespace

vtkRenderStreamerCapture::Result vtkRenderStreamerCapture::Read(
  vtkRenderWindow* window, int width, int height, std::uint8_t* destination)
{
  auto* glWindow = vtkOpenGLRenderWindow::SafeDownCast(window);
  if (!glWindow || !glWindow->GetDisplayFramebuffer() || !glWindow->GetState())
  {
    return ReadWithVTK(window, width, height, destination);
  }
  // VTK 9.1+ renders into its own framebuffer and resolves the finished frame into the
  // display framebuffer at the end of Render(); that one holds what the user sees.
  glWindow->MakeCurrent();
  vtkOpenGLState* state = glWindow->GetState();
  state->PushReadFramebufferBinding();
  glWindow->GetDisplayFramebuffer()->Bind(GL_READ_FRAMEBUFFER);
  glWindow->GetDisplayFramebuffer()->ActivateReadBuffer(0);
  state->vtkglPixelStorei(GL_PACK_ALIGNMENT, 1);
  glReadPixels(0, 0, width, height, GL_BGRA, GL_UNSIGNED_BYTE, destination);
  const bool ok = glGetError() == GL_NO_ERROR;
  state->PopReadFramebufferBinding();
  return { ok, PixelFormat::BGRA };
}
