# Declares the RenderStream::RenderStream VTK module (included by the root CMakeLists.txt in
# its module-directory role). The ipc sources are compiled in: they are tiny, and this keeps
# the installed module free of a private static library.
set(_rs "${CMAKE_CURRENT_LIST_DIR}")
vtk_module_add_module(RenderStream::RenderStream
  SOURCES
    "${_rs}/vtkRenderStreamer.cxx"
    "${_rs}/vtkRenderStreamerBackend.cxx"
    "${_rs}/vtkRenderStreamerCapture.cxx"
    "${_rs}/vtkRenderStreamerInjector.cxx"
    "${_rs}/vtkRenderStreamerServerProcess.cxx"
    "${_rs}/vtkRenderStreamerXInput.cxx"
    "${_rs}/ipc/SharedMemory.cxx"
    "${_rs}/ipc/StreamSegment.cxx"
  HEADERS
    "${_rs}/vtkRenderStreamer.h"
  PRIVATE_HEADERS
    "${_rs}/vtkRenderStreamerCapture.h"
    "${_rs}/vtkRenderStreamerInjector.h"
    "${_rs}/vtkRenderStreamerServerProcess.h"
    "${_rs}/vtkRenderStreamerXInput.h")
vtk_module_include(RenderStream::RenderStream PUBLIC "$<BUILD_INTERFACE:${_rs}>")
vtk_module_link(RenderStream::RenderStream PRIVATE rt)
# X11: browser input travels through VTK's X event loop (vtkRenderStreamerXInput.h).
find_package(X11 QUIET)
if (X11_FOUND)
  vtk_module_link(RenderStream::RenderStream PRIVATE X11::X11)
  vtk_module_definitions(RenderStream::RenderStream PRIVATE RENDERSTREAM_HAS_X11)
endif ()
