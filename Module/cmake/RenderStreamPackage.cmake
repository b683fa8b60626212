# The exported CMake package: RenderStreamConfig.cmake + version file beside the
# RenderStream-targets.cmake and module properties that vtk_module_build() writes, in the build
# tree (${CMAKE_BINARY_DIR}/lib/cmake/RenderStream) and in the install tree alike.
# Included by the root CMakeLists.txt after vtk_module_build() (and the Python wrapping).
include(CMakePackageConfigHelpers)
set(_renderstream_cmake_dir "${CMAKE_INSTALL_LIBDIR}/cmake/RenderStream")

# Modules' vtk_module_find_package() calls, replayed by the config (VTK modules do this).
vtk_module_export_find_packages(
  CMAKE_DESTINATION "${_renderstream_cmake_dir}"
  FILE_NAME         "RenderStream-vtk-module-find-packages.cmake"
  MODULES           ${_renderstream_modules})

# The same file serves both trees: <libdir>/cmake/RenderStream sits at the same place below
# the prefix in both (the build tree's "prefix" is CMAKE_BINARY_DIR).
file(RELATIVE_PATH _renderstream_config_to_prefix
  "/prefix/${_renderstream_cmake_dir}" "/prefix")
set(_renderstream_python_destination "${RenderStream_PYTHON_DESTINATION}")
if (NOT _renderstream_python_destination)
  set(_renderstream_python_destination "${CMAKE_INSTALL_LIBDIR}/python-not-wrapped")
endif ()
configure_file("${CMAKE_CURRENT_LIST_DIR}/RenderStreamConfig.cmake.in"
  "${CMAKE_BINARY_DIR}/${_renderstream_cmake_dir}/RenderStreamConfig.cmake" @ONLY)
write_basic_package_version_file(
  "${CMAKE_BINARY_DIR}/${_renderstream_cmake_dir}/RenderStreamConfigVersion.cmake"
  VERSION "${PROJECT_VERSION}"
  COMPATIBILITY SameMinorVersion)
install(
  FILES
    "${CMAKE_BINARY_DIR}/${_renderstream_cmake_dir}/RenderStreamConfig.cmake"
    "${CMAKE_BINARY_DIR}/${_renderstream_cmake_dir}/RenderStreamConfigVersion.cmake"
  DESTINATION "${_renderstream_cmake_dir}"
  COMPONENT   development)

# renderstream-server itself is installed to <prefix>/bin by Module/server/CMakeLists.txt; the
# streamer finds it there, beside <prefix>/lib/libRenderStream.so.
