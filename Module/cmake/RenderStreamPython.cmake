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

# vtk_module_wrap_python() builds the extension; the package's pure-Python files are ours:
# __init__.py and jupyter.py (renderstream.jupyter.show(window) for notebooks).
foreach (_renderstream_py IN ITEMS __init__.py jupyter.py)
  set(_renderstream_source "${CMAKE_CURRENT_LIST_DIR}/../python/${_renderstream_py}")
  configure_file("${_renderstream_source}"
    "${CMAKE_BINARY_DIR}/${RenderStream_PYTHON_DESTINATION}/renderstream/${_renderstream_py}" COPYONLY)
  install(FILES "${_renderstream_source}"
    DESTINATION "${RenderStream_PYTHON_DESTINATION}/renderstream"
    COMPONENT   python)
endforeach ()
message(STATUS "RenderStream: Python package `renderstream` in ${RenderStream_PYTHON_DESTINATION}")
