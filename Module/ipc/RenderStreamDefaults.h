// The one home of RenderStream's defaults and limits. The VTK class, the server's options, the
// ParaView dock's ranges, the examples and the Python layers take them from here (Python: from
// a fresh vtkRenderStreamer's getters); TestIpc checks the README's options table against it.
// Plain C++17: no VTK, no Boost.
#ifndef renderstream_ipc_RenderStreamDefaults_h
#define renderstream_ipc_RenderStreamDefaults_h

#include <cstddef>

namespace renderstream::defaults
{
inline constexpr const char* kBindAddress = "127.0.0.1"; // this machine only
inline constexpr int kPort = 0;                          // a free one
inline constexpr int kQuality = 80;                      // JPEG, while the scene changes
inline constexpr int kStillQuality = 92;                 // the still after interaction stops
inline constexpr int kMaxClients = 32;
inline constexpr int kMaxClientsLimit = 10000;           // the highest --max-clients
inline constexpr int kTickInterval = 16;                 // ms, the fallback interactor timer
inline constexpr int kTickIntervalLimit = 10000;
inline constexpr int kMaxSide = 16384;                   // largest frame width or height
inline constexpr int kDefaultMaxWidth = 1920;            // frames up to the larger of the
inline constexpr int kDefaultMaxHeight = 1080;           // window and this
inline constexpr const char* kVideoEncoder = "auto";
inline constexpr const char* kControlMode = "one"; // one driver at a time; "shared": everyone at once
inline constexpr const char* kRecordDirectory = "~/Videos/RenderStream"; // recordings started from the page
inline constexpr int kRecordMaxMiB = 4096; // the recordings' total size
inline constexpr int kRecordMaxMiBLimit = 1 << 24; // the highest --record-max-mib (16 TiB)

// Tokens: at least 128 bits (32 hex digits, what the server generates), at most what the
// segment's Token field holds with its NUL.
inline constexpr std::size_t kTokenMinLength = 32;
inline constexpr std::size_t kTokenMaxLength = 47;
} // namespace renderstream::defaults

#endif
