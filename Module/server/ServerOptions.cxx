#include "ServerOptions.h"

#include "Broadcaster.h"
#include "H264Encoder.h"
#include "MediaText.h"
#include "RequestTarget.h"
#include "VideoMuxer.h"

#include <boost/program_options.hpp>

#include <algorithm>
#include <iostream>

namespace po = boost::program_options;

namespace renderstream::server
{
namespace
{
std::string TokenLengths()
{
  return std::to_string(defaults::kTokenMinLength) + "-" + std::to_string(defaults::kTokenMaxLength);
}

bool ValidToken(const std::string& token)
{
  if (token.size() < defaults::kTokenMinLength || token.size() > defaults::kTokenMaxLength)
  {
    return false;
  }
  for (const char c : token)
  {
    const bool ok = (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
      c == '-' || c == '_' || c == '.' || c == '~';
    if (!ok)
    {
      return false;
    }
  }
  return true;
}
// "a, b or c": the H.264 backends, as Backends() lists them.
std::string BackendList(const char* lastJoin)
{
  const auto backends = H264Encoder::Backends();
  std::string list;
  for (std::size_t i = 0; i < backends.size(); ++i)
  {
    list += (i == 0 ? "" : i + 1 == backends.size() ? lastJoin : ", ") + backends[i];
  }
  return list;
}

// RENDERSTREAM_TOKEN and RENDERSTREAM_VIEW_TOKEN stand for --token and --view-token: unlike a
// command line, a process's environment is readable by its own user only.
// RENDERSTREAM_PUBLISH_URL stands for --publish: a stream key is a secret too.
std::string OptionFromEnvironment(const std::string& variable)
{
  return variable == "RENDERSTREAM_TOKEN" ? "token"
    : variable == "RENDERSTREAM_VIEW_TOKEN" ? "view-token"
    : variable == "RENDERSTREAM_PUBLISH_URL" ? "publish" : "";
}

} // namespace

ServerOptions::Outcome ServerOptions::Parse(
  int argc, char** argv, ServerOptions& options, std::string& error)
{
  int port = 0;
  int recordMaxMiB = 0;
  std::string control;
  po::options_description desc(
    "renderstream-server: streams the frames of a RenderStream shared-memory segment to web\n"
    "browsers (MJPEG and WebSocket) and forwards their input events back.\n"
    "Normally started by the VTK application (vtkRenderStreamer); it prints one line to stderr\n"
    "when serving and writes its port and tokens into the segment header.\n\nOptions");
  // clang-format off
  desc.add_options()
    ("help,h", "print this help and exit")
    ("shm", po::value<std::string>(&options.Shm),
      "name of the shared-memory segment to serve, e.g. /renderstream-1234-abcd (required)")
    ("bind", po::value<std::string>(&options.Bind)->default_value(defaults::kBindAddress),
      "IP address to listen on (127.0.0.1 = this machine only; 0.0.0.0 = every interface)")
    ("port", po::value<int>(&port)->default_value(defaults::kPort),
      "TCP port to listen on; 0 picks a free port (read it from the segment or stderr)")
    ("token", po::value<std::string>(&options.Token),
      ("full-access token (view + input), " + TokenLengths() + " characters; default: "
       "$RENDERSTREAM_TOKEN, else 128 random bits in hex").c_str())
    ("view-token", po::value<std::string>(&options.ViewToken),
      "view-only token (frames, no input); default: $RENDERSTREAM_VIEW_TOKEN, else 128 random bits in hex")
    ("restarts", po::value<int>(&options.Restarts)->default_value(0),
      "how many servers of this stream died before this one (set by the application that "
      "restarts it; shown in /stats and /metrics)")
    ("control", po::value<std::string>(&control)->default_value(defaults::kControlMode),
      "who drives: one (one full-link viewer at a time; control passes to whoever starts "
      "interacting after the driver has been idle for 2 s, or on request) or shared "
      "(every full-link viewer at once)")
    ("view-only", po::bool_switch(&options.ViewOnly),
      "ignore input from every client, whatever its token")
    ("quality", po::value<int>(&options.Quality)->default_value(defaults::kQuality),
      "JPEG quality 1..100 of frames sent while the scene changes")
    ("still-quality", po::value<int>(&options.StillQuality)->default_value(defaults::kStillQuality),
      "JPEG quality 1..100 of the one still frame re-sent when interaction stops "
      "(no still frame when it is not above --quality)")
    ("max-clients", po::value<int>(&options.MaxClients)->default_value(defaults::kMaxClients),
      ("most simultaneous streaming clients (MJPEG + WebSocket); more get HTTP 503. "
       "View-only ones may take all but 1/" + std::to_string(Broadcaster::kReservedShare) +
        " of them (at least one is kept for the full token)").c_str())
    ("allow-origin", po::value<std::vector<std::string>>(&options.AllowOrigins)->composing(),
      "extra Origin accepted for WebSocket upgrades besides the server's own "
      "(e.g. https://viz.example.org:8443; a trailing / and default ports are ignored); repeatable")
    ("public-url", po::value<std::string>(&options.PublicUrl),
      "the address people open the page at, when it is not this server's own (a TLS proxy "
      "or tunnel, e.g. https://viz.example.org/renderstream/): shown on the sign-in page, "
      "and its origin is allowed like --allow-origin")
    ("video-encoder", po::value<std::string>(&options.VideoEncoder)->default_value(defaults::kVideoEncoder),
      ("H.264 encoder for viewers that ask for video (/ws?codec=h264): auto (the first of " +
       BackendList(", ") + " that works here), one of those, or none (JPEG only)").c_str())
    ("record", po::value<std::string>(&options.RecordFile),
      "record the full-size H.264 stream to this MP4 file from the start (fragmented: a "
      "crash leaves a file that plays; an existing file is kept and FILE-2.mp4, -3... used)")
    ("record-dir", po::value<std::string>(&options.RecordDir)->default_value(defaults::kRecordDirectory),
      "where recordings started from the viewer page go (full-link viewers download them "
      "from the page's recordings/)")
    ("record-max-mib", po::value<int>(&recordMaxMiB)->default_value(defaults::kRecordMaxMiB),
      "most MiB of recordings: a recording stops before it is crossed (the page's count "
      "the other recordings in --record-dir)")
    ("publish", po::value<std::string>(&options.PublishUrl),
      "publish the full-size H.264 stream to a media server: rtmp://, rtmps://, srt:// or "
      "rtsp:// (default: $RENDERSTREAM_PUBLISH_URL, which keeps a stream key out of ps); "
      "reconnects after a failure");
  // clang-format on
  po::variables_map vm;
  try
  {
    po::store(po::command_line_parser(argc, argv).options(desc).run(), vm);
    po::store(po::parse_environment(desc, OptionFromEnvironment), vm); // the command line wins
    po::notify(vm);
  }
  catch (const std::exception& e)
  {
    error = e.what();
    return Outcome::Usage;
  }
  if (vm.count("help"))
  {
    std::cout << desc << "\n"; // asked for: the only output on stdout
    return Outcome::Help;
  }
  if (options.Shm.empty())
  {
    error = "missing --shm NAME (the shared-memory segment to serve); see --help";
    return Outcome::Usage;
  }
  if (port < 0 || port > 65535)
  {
    error = "--port " + std::to_string(port) + " is out of range 0..65535";
    return Outcome::Usage;
  }
  options.Port = static_cast<std::uint16_t>(port);
  if (options.Quality < 1 || options.Quality > 100 || options.StillQuality < 1 ||
    options.StillQuality > 100)
  {
    error = "--quality and --still-quality must be within 1..100";
    return Outcome::Usage;
  }
  if (control != "one" && control != "shared")
  {
    error = "--control must be one or shared";
    return Outcome::Usage;
  }
  options.Control = control == "shared" ? ControlMode::Shared : ControlMode::One;
  if (options.Restarts < 0)
  {
    error = "--restarts must not be negative";
    return Outcome::Usage;
  }
  if (options.MaxClients < 1 || options.MaxClients > defaults::kMaxClientsLimit)
  {
    error = "--max-clients must be within 1.." + std::to_string(defaults::kMaxClientsLimit);
    return Outcome::Usage;
  }

  if ((vm.count("token") && !ValidToken(options.Token)) ||
    (vm.count("view-token") && !ValidToken(options.ViewToken)))
  {
    error = "tokens must be " + TokenLengths() + " characters of [A-Za-z0-9._~-] (at least 128 bits)";
    return Outcome::Usage;
  }
  for (std::string& origin : options.AllowOrigins)
  {
    std::string canonical;
    if (!NormalizeOrigin(origin, canonical))
    {
      error = "--allow-origin " + origin + " is not an origin: give scheme://host[:port], e.g. https://viz.example.org:8443";
      return Outcome::Usage;
    }
    origin = canonical;
  }
  if (!options.PublicUrl.empty())
  {
    std::string url, origin;
    if (!NormalizePublicUrl(options.PublicUrl, url, origin))
    {
      error = "--public-url " + options.PublicUrl + " is not an http(s) URL without query or fragment, e.g. https://viz.example.org/renderstream/";
      return Outcome::Usage;
    }
    options.PublicUrl = url;
    options.AllowOrigins.push_back(origin);
  }
  const auto backends = H264Encoder::Backends();
  if (options.VideoEncoder != "auto" && options.VideoEncoder != "none" &&
    std::find(backends.begin(), backends.end(), options.VideoEncoder) == backends.end())
  {
    error = "--video-encoder must be auto, none, " + BackendList(" or ");
    return Outcome::Usage;
  }
  if (recordMaxMiB < 1 || recordMaxMiB > defaults::kRecordMaxMiBLimit)
  {
    error = "--record-max-mib must be within 1.." + std::to_string(defaults::kRecordMaxMiBLimit);
    return Outcome::Usage;
  }
  options.RecordMaxBytes = std::uint64_t(recordMaxMiB) << 20;
  options.RecordDir = ipc::ExpandHome(options.RecordDir);
  options.RecordFile = ipc::ExpandHome(options.RecordFile);
  if (!options.RecordFile.empty() && VideoMuxer::IsNetwork(options.RecordFile))
  {
    error = "--record takes a file; publish to a media server with --publish";
    return Outcome::Usage;
  }
  if (!options.PublishUrl.empty() &&
    (!VideoMuxer::IsNetwork(options.PublishUrl) || VideoMuxer::FormatFor(options.PublishUrl).empty()))
  {
    error = "--publish takes an rtmp://, rtmps://, srt:// or rtsp:// URL";
    return Outcome::Usage;
  }
  if ((!options.RecordFile.empty() || !options.PublishUrl.empty()) && options.VideoEncoder == "none")
  {
    error = "--record and --publish need H.264: not with --video-encoder none";
    return Outcome::Usage;
  }
  if (!options.Token.empty() && options.Token == options.ViewToken)
  {
    error = "--token and --view-token must differ";
    return Outcome::Usage;
  }
  return Outcome::Run;
}
} // namespace renderstream::server
