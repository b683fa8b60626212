# cmake -DWEB_DIR=Module/web -DNAMES=index.html,main.js,... -DOUTPUT=WebAssets.cxx -P EmbedWebAssets.cmake
# Turns the web files into byte arrays and a table (name, content type, bytes) so the server
# binary is self-contained.
string(REPLACE "," ";" names "${NAMES}")
set(arrays "")
set(rows "")
set(index 0)
foreach(name IN LISTS names)
  get_filename_component(ext "${name}" LAST_EXT)
  if(ext STREQUAL ".html")
    set(type "text/html; charset=utf-8")
  elseif(ext STREQUAL ".js")
    set(type "text/javascript; charset=utf-8")
  elseif(ext STREQUAL ".css")
    set(type "text/css; charset=utf-8")
  else()
    message(FATAL_ERROR "EmbedWebAssets: no content type for ${name}")
  endif()
  file(READ "${WEB_DIR}/${name}" hex HEX)
  string(LENGTH "${hex}" hexLength)
  math(EXPR size "${hexLength} / 2")
  string(REGEX REPLACE "([0-9a-f][0-9a-f])" "'\\\\x\\1'," bytes "${hex}")
  string(REGEX REPLACE "(('\\\\x[0-9a-f][0-9a-f]',){16})" "\\1\n  " bytes "${bytes}")
  string(APPEND arrays "const char kAsset${index}[] = {\n  ${bytes}'\\0'\n};\n")
  string(APPEND rows "  { \"${name}\", \"${type}\", std::string_view(kAsset${index}, ${size}) },\n")
  math(EXPR index "${index} + 1")
endforeach()
file(WRITE "${OUTPUT}.tmp"
"// Generated from ${WEB_DIR} by EmbedWebAssets.cmake: do not edit.
#include \"WebAssets.h\"

#include <algorithm>
#include <array>

namespace renderstream::server
{
namespace
{
${arrays}
const std::array<WebAsset, ${index}> kAssets{ {
${rows}} };
}

std::optional<WebAsset> FindWebAsset(std::string_view name)
{
  const auto found = std::find_if(kAssets.begin(), kAssets.end(), [name](const WebAsset& a) { return a.Name == name; });
  return found == kAssets.end() ? std::nullopt : std::optional<WebAsset>(*found);
}
}
")
file(RENAME "${OUTPUT}.tmp" "${OUTPUT}")
