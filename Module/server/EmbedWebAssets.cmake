# cmake -DINPUT=index.html -DOUTPUT=WebAssets.cxx -P EmbedWebAssets.cmake
# Turns the viewer page into a byte array so the server binary is self-contained.
file(READ "${INPUT}" hex HEX)
string(LENGTH "${hex}" hexLength)
math(EXPR size "${hexLength} / 2")
string(REGEX REPLACE "([0-9a-f][0-9a-f])" "'\\\\x\\1'," bytes "${hex}")
string(REGEX REPLACE "(('\\\\x[0-9a-f][0-9a-f]',){16})" "\\1\n  " bytes "${bytes}")
file(WRITE "${OUTPUT}.tmp"
"// Generated from ${INPUT} by EmbedWebAssets.cmake: do not edit.
#include \"WebAssets.h\"

namespace renderstream::server
{
namespace
{
const char kIndexHtml[] = {
  ${bytes}'\\0'
};
}

std::string_view IndexHtml()
{
  return std::string_view(kIndexHtml, ${size});
}
}
")
file(RENAME "${OUTPUT}.tmp" "${OUTPUT}")
