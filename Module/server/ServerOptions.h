// Command line of renderstream-server (endpoints: Module/server/README.md), parsed with
// Boost.program_options. No Beast here: the tests and main() include it cheaply.
#ifndef renderstream_server_ServerOptions_h
#define renderstream_server_ServerOptions_h

#include "RenderStreamDefaults.h"

#include <cstdint>
#include <string>
#include <vector>

namespace renderstream::server
{
/// Who may drive the application (--control): one full-link viewer at a time with hand-over
/// (ControlRoom), or every full-link viewer at once.
enum class ControlMode
{
  One,
  Shared,
};

struct ServerOptions
{
  std::string Shm;
  std::string Bind = defaults::kBindAddress;
  std::uint16_t Port = defaults::kPort; // 0 = a free port chosen by the kernel
  std::string Token;      // empty = generate one
  std::string ViewToken;  // empty = generate one
  bool ViewOnly = false;
  int Quality = defaults::kQuality;
  int StillQuality = defaults::kStillQuality;
  int MaxClients = defaults::kMaxClients;
  std::vector<std::string> AllowOrigins; // normalised; includes PublicUrl's origin
  std::string PublicUrl; // where people open the page (a proxy's address), normalised; "" = none
  std::string VideoEncoder = defaults::kVideoEncoder; // H.264 backend: auto, none or one of H264Encoder::Backends()
  ControlMode Control = ControlMode::One; // defaults::kControlMode
  int Restarts = 0; // servers of this stream that died before this one (the application counts)
  std::string RecordFile;  // --record: from the start; "" = none
  std::string RecordDir;   // --record-dir, "~" expanded
  std::uint64_t RecordMaxBytes = std::uint64_t(defaults::kRecordMaxMiB) << 20;
  std::string PublishUrl;  // --publish; "" = none

  enum class Outcome
  {
    Run,   // options are valid
    Help,  // --help printed: exit 0
    Usage, // bad command line, message in Error: exit 2
  };
  /// Parses argv; on Usage, Error holds a one-line explanation.
  static Outcome Parse(int argc, char** argv, ServerOptions& options, std::string& error);
};
} // namespace renderstream::server

#endif
