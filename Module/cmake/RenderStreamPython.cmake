# Python wrapping of RenderStream::RenderStream: the `renderstream` package
#   from renderstream import vtkRenderStreamer
# for the Python that ParaView's VTK uses (Debian: /usr/bin/python3 with its vtkmodules).
# Sets RenderStream_PYTHON_DESTINATION (relative to the build tree and to the prefix).
find_package(VTK COMPONENTS Python WrappingPythonCore)
if (NOT VTK_WRAP_PYTHON OR NOT TARGET VTK::WrappingPythonCore)
  message(STATUS "RenderStream: Python wrapping skipped (this VTK has no Python support)")
  return ()
endif ()

vtk_module_python_default_destination(RenderStream_PYTHON_DESTINATION)
vtk_module_wrap_python(
  MODULES             ${_renderstream_modules}
  PYTHON_PACKAGE      renderstream
  MODULE_DESTINATION  "${RenderStream_PYTHON_DESTINATION}"
  LIBRARY_DESTINATION "${CMAKE_INSTALL_LIBDIR}" # rpath from the extension to libRenderStream
  CMAKE_DESTINATION   "${CMAKE_INSTALL_LIBDIR}/cmake/RenderStream"
  BUILD_STATIC        OFF
  INSTALL_HEADERS     OFF
  TARGET              RenderStream::PythonModules) # not RenderStreamPython: that is the extension

# vtk_module_wrap_python() builds the extension; the package's __init__.py is ours.
set(_renderstream_init "${CMAKE_CURRENT_LIST_DIR}/../python/__init__.py")
configure_file("${_renderstream_init}"
  "${CMAKE_BINARY_DIR}/${RenderStream_PYTHON_DESTINATION}/renderstream/__init__.py" COPYONLY)
install(FILES "${_renderstream_init}"
  DESTINATION "${RenderStream_PYTHON_DESTINATION}/renderstream"
  COMPONENT   python)
message(STATUS "RenderStream: Python package `renderstream` in ${RenderStream_PYTHON_DESTINATION}")
