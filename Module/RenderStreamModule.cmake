# Declares the RenderStream::RenderStream VTK module (included by the root CMakeLists.txt in
# its module-directory role). The ipc sources are compiled in: they are tiny, and this keeps
# the installed module free of a private static library.
set(_rs "${CMAKE_CURRENT_LIST_DIR}")
vtk_module_add_module(RenderStream::RenderStream
  SOURCES
    "${_rs}/vtkRenderStreamer.cxx"
    "${_rs}/vtkRenderStreamerAutoInit.cxx"
    "${_rs}/vtkRenderStreamerCapture.cxx"
    "${_rs}/vtkRenderStreamerInjector.cxx"
    "${_rs}/vtkRenderStreamerServerProcess.cxx"
    "${_rs}/vtkRenderStreamerXInput.cxx"
    "${_rs}/ipc/SharedMemory.cxx"
    "${_rs}/ipc/StreamSegment.cxx"
  HEADERS
    "${_rs}/vtkRenderStreamer.h"
  NOWRAP_HEADERS # installed; plain C++17 that the wrappers need not parse
    "${_rs}/ipc/RenderStreamDefaults.h"
  PRIVATE_HEADERS
    "${_rs}/vtkRenderStreamerCapture.h"
    "${_rs}/vtkRenderStreamerInjector.h"
    "${_rs}/vtkRenderStreamerServerProcess.h"
    "${_rs}/vtkRenderStreamerXInput.h")
# ipc/ too: vtkRenderStreamer.h includes RenderStreamDefaults.h (installed beside it).
vtk_module_include(RenderStream::RenderStream PUBLIC "$<BUILD_INTERFACE:${_rs}>" "$<BUILD_INTERFACE:${_rs}/ipc>")
vtk_module_link(RenderStream::RenderStream PRIVATE rt)
# X11: browser input travels through VTK's X event loop (vtkRenderStreamerXInput.h).
find_package(X11 QUIET)
if (X11_FOUND)
  vtk_module_link(RenderStream::RenderStream PRIVATE X11::X11)
  vtk_module_definitions(RenderStream::RenderStream PRIVATE RENDERSTREAM_HAS_X11)
endif ()
