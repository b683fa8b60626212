// Test helpers for recordings and media servers: a temporary directory, a real nginx with the
// rtmp module (HLS on) started by the test on loopback, in the foreground and in a directory of
// its own, killed and restarted by PID; and Debian's ffprobe / ffmpeg run with deadlines, their
// JSON read with nlohmann-json. Nothing here sleeps for a fixed time: every wait has a deadline.
#ifndef RenderStream_MediaServer_h
#define RenderStream_MediaServer_h

#include "ServerProcess.h" // Spawn, WaitFor
#include "Wait.h"          // Eventually

#include <nlohmann/json.hpp>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

namespace renderstream::testing
{
inline std::string FileText(const std::string& path)
{
  std::ifstream in(path, std::ios::binary);
  return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}

inline long long FileBytes(const std::string& path)
{
  struct stat st{};
  return ::stat(path.c_str(), &st) == 0 ? static_cast<long long>(st.st_size) : -1;
}

/// A directory under /tmp, removed with everything in it when destroyed.
class TempDir
{
public:
  explicit TempDir(const std::string& tag = "media")
  {
    std::string pattern = "/tmp/renderstream-" + tag + "-XXXXXX";
    if (::mkdtemp(pattern.data()) == nullptr)
    {
      throw std::runtime_error("mkdtemp failed");
    }
    this->Path = pattern;
  }
  ~TempDir()
  {
    std::error_code ignored;
    std::filesystem::remove_all(this->Path, ignored);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  std::string operator/(const std::string& name) const { return this->Path + "/" + name; }

  std::string Path;
};

/// `count` distinct free TCP ports on 127.0.0.1 (held together while chosen, so they differ).
inline std::vector<std::uint16_t> FreePorts(std::size_t count)
{
  std::vector<int> sockets;
  std::vector<std::uint16_t> ports;
  for (std::size_t i = 0; i < count; ++i)
  {
    const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t length = sizeof(address);
    if (fd < 0 || ::bind(fd, reinterpret_cast<sockaddr*>(&address), length) != 0 ||
      ::getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length) != 0)
    {
      throw std::runtime_error("FreePorts: cannot bind");
    }
    sockets.push_back(fd);
    ports.push_back(ntohs(address.sin_port));
  }
  for (int fd : sockets)
  {
    ::close(fd);
  }
  return ports;
}

/// Whether something accepts TCP connections on 127.0.0.1:`port` now.
inline bool PortAccepts(std::uint16_t port)
{
  const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_port = htons(port);
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  const bool accepted = ::connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof(address)) == 0;
  ::close(fd);
  return accepted;
}

/// What a tool printed and how it ended.
struct ToolResult
{
  int Exit = -1;         // its exit code (-1: killed, by a signal or at the deadline)
  bool TimedOut = false; // killed at the deadline
  std::string Out, Err;
  bool Ok() const { return this->Exit == 0; }
};

/// Runs `args` (argv[0] a full path) to its end, or kills it after `timeout`.
inline ToolResult RunTool(const std::vector<std::string>& args, std::chrono::milliseconds timeout)
{
  static int counter = 0;
  const std::string base = "/tmp/renderstream-tool-" + std::to_string(::getpid()) + "-" + std::to_string(counter++);
  const std::string outPath = base + ".out", errPath = base + ".err";
  const int out = ::open(outPath.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  ToolResult result;
  const pid_t pid = Spawn(args, errPath, out);
  ::close(out);
  int status = WaitFor(pid, timeout);
  if (status == -1)
  {
    result.TimedOut = true;
    ::kill(pid, SIGKILL);
    ::waitpid(pid, &status, 0);
  }
  result.Exit = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  result.Out = FileText(outPath);
  result.Err = FileText(errPath);
  ::unlink(outPath.c_str());
  ::unlink(errPath.c_str());
  return result;
}

/// What ffprobe says about the first video stream of a file, a playlist or a live URL.
struct MediaInfo
{
  bool Ok = false;
  std::string Error; // ffprobe's complaint when it failed
  std::string Codec, Format;
  int Width = 0, Height = 0;
  long Frames = -1;      // decoded frames (-count_frames), -1 if not counted
  double Duration = -1;  // the container's duration in seconds, -1 if it has none
  std::string Describe() const
  {
    std::ostringstream text;
    text << Codec << " " << Width << "x" << Height << ", " << Frames << " frames, " << Duration << " s (" << Format << ")";
    return Ok ? text.str() : "ffprobe failed: " + Error;
  }
};

/// ffprobe -show_streams -show_format -of json [-count_frames] `extra` `input`.
inline MediaInfo Probe(const std::string& input, const std::vector<std::string>& extra = {}, bool countFrames = true,
  std::chrono::milliseconds timeout = std::chrono::seconds(30))
{
  std::vector<std::string> args = { "/usr/bin/ffprobe", "-v", "error", "-show_streams", "-show_format", "-of", "json" };
  if (countFrames)
  {
    args.emplace_back("-count_frames");
  }
  args.insert(args.end(), extra.begin(), extra.end());
  args.push_back(input);
  const ToolResult run = RunTool(args, timeout);
  MediaInfo info;
  const nlohmann::json doc = nlohmann::json::parse(run.Out, nullptr, false);
  info.Error = run.Err + (run.TimedOut ? " (timed out)" : "");
  if (!run.Ok() || doc.is_discarded() || !doc.contains("streams"))
  {
    return info;
  }
  const auto number = [](const nlohmann::json& j, const char* key, double fallback) {
    return j.contains(key) && j[key].is_string() ? std::stod(j[key].get<std::string>()) : fallback;
  };
  for (const auto& stream : doc["streams"])
  {
    if (stream.value("codec_type", "") == "video")
    {
      info.Ok = true;
      info.Codec = stream.value("codec_name", "");
      info.Width = stream.value("width", 0);
      info.Height = stream.value("height", 0);
      info.Frames = static_cast<long>(number(stream, "nb_read_frames", -1));
      break;
    }
  }
  if (doc.contains("format"))
  {
    info.Format = doc["format"].value("format_name", "");
    info.Duration = number(doc["format"], "duration", -1);
  }
  if (!info.Ok && info.Error.empty())
  {
    info.Error = "no video stream in " + run.Out;
  }
  return info;
}

/// The presentation time (s) of every video frame of `file`, in decoding order.
inline std::vector<double> FrameTimes(const std::string& file)
{
  const ToolResult run = RunTool({ "/usr/bin/ffprobe", "-v", "error", "-select_streams", "v:0", "-show_entries",
                                   "frame=pts_time", "-of", "json", file },
    std::chrono::seconds(30));
  std::vector<double> times;
  const nlohmann::json doc = nlohmann::json::parse(run.Out, nullptr, false);
  if (doc.is_discarded() || !doc.contains("frames"))
  {
    return times;
  }
  for (const auto& frame : doc["frames"])
  {
    if (frame.contains("pts_time") && frame["pts_time"].is_string())
    {
      times.push_back(std::stod(frame["pts_time"].get<std::string>()));
    }
  }
  return times;
}

/// Decodes all of `input` with ffmpeg: what it reports at -v error ("" = a clean decode).
/// `-enc_time_base -1` keeps the frames' own times: recordings are variable-rate (capture times
/// in microseconds), which ffmpeg's null output would otherwise round to a guessed frame rate
/// and then complain of equal timestamps ("non monotonically increasing dts"), not a decode error.
inline std::string DecodeErrors(const std::string& input)
{
  const ToolResult run = RunTool(
    { "/usr/bin/ffmpeg", "-nostdin", "-v", "error", "-i", input, "-enc_time_base", "-1", "-f", "null", "-" },
    std::chrono::seconds(60));
  return run.Ok() ? run.Err : "ffmpeg exit " + std::to_string(run.Exit) + ": " + run.Err;
}

/// A real nginx with the rtmp module on 127.0.0.1: RTMP on RtmpPort (application "live", HLS
/// written to Dir/hls with 1 s fragments) and HTTP on HttpPort serving that HLS (as the origin
/// of a CDN would). One process (master_process off), so killing its PID kills nginx.
class MediaServer
{
public:
  MediaServer()
  {
    const auto ports = FreePorts(2);
    this->RtmpPort = ports[0];
    this->HttpPort = ports[1];
    std::filesystem::create_directories(this->Dir / "hls");
    std::string temp;
    for (const char* kind : { "client_body", "proxy", "fastcgi", "uwsgi", "scgi" })
    {
      temp += std::string("  ") + kind + "_temp_path " + (this->Dir / kind) + ";\n";
    }
    std::ofstream(this->Dir / "nginx.conf")
      << "load_module /usr/lib/nginx/modules/ngx_rtmp_module.so;\n"
         "daemon off;\nmaster_process off;\nworker_processes 1;\n"
      << "pid " << (this->Dir / "nginx.pid") << ";\nerror_log " << (this->Dir / "error.log") << " info;\n"
      << "events { worker_connections 256; }\n"
         "rtmp {\n  server {\n    listen 127.0.0.1:" << this->RtmpPort << ";\n    chunk_size 4096;\n"
      << "    application live {\n      live on;\n      record off;\n      hls on;\n      hls_path "
      << (this->Dir / "hls") << ";\n      hls_fragment 1s;\n      hls_playlist_length 10s;\n    }\n  }\n}\n"
      << "http {\n  access_log " << (this->Dir / "access.log") << ";\n" << temp
      << "  types { application/vnd.apple.mpegurl m3u8; video/mp2t ts; }\n"
         "  server {\n    listen 127.0.0.1:" << this->HttpPort << ";\n"
      << "    location /hls/ { root " << this->Dir.Path << "; add_header Cache-Control no-cache; }\n  }\n}\n";
    this->Start();
  }
  ~MediaServer() { this->Kill(); }
  MediaServer(const MediaServer&) = delete;
  MediaServer& operator=(const MediaServer&) = delete;

  /// Starts nginx (again, on the same ports) and waits until RTMP accepts connections.
  void Start()
  {
    this->Pid = Spawn({ "/usr/sbin/nginx", "-p", this->Dir.Path, "-e", this->Dir / "error.log", "-c",
                        this->Dir / "nginx.conf" },
      this->Dir / "stderr.log");
    const bool up = Eventually(std::chrono::seconds(10), [this] {
      return PortAccepts(this->RtmpPort) || WaitFor(this->Pid, std::chrono::milliseconds(0)) != -1;
    });
    if (!up || !this->Running())
    {
      const std::string why = FileText(this->Dir / "stderr.log") + FileText(this->Dir / "error.log");
      this->Kill();
      throw std::runtime_error("nginx with the rtmp module did not start: " + why);
    }
  }
  /// kill -9 (a crash): connections break at once, nothing is flushed.
  void Kill()
  {
    if (this->Pid > 0)
    {
      ::kill(this->Pid, SIGKILL);
      ::waitpid(this->Pid, nullptr, 0);
      this->Pid = -1;
    }
  }
  bool Running() { return this->Pid > 0 && ::waitpid(this->Pid, nullptr, WNOHANG) == 0; }

  std::string RtmpUrl(const std::string& name) const
  {
    return "rtmp://127.0.0.1:" + std::to_string(this->RtmpPort) + "/live/" + name;
  }
  std::string HlsPlaylist(const std::string& name) const { return this->Dir / ("hls/" + name + ".m3u8"); }
  std::string HlsUrl(const std::string& name) const
  {
    return "http://127.0.0.1:" + std::to_string(this->HttpPort) + "/hls/" + name + ".m3u8";
  }
  std::string Log() const { return FileText(this->Dir / "error.log"); }

  /// Reads the live stream `name` back over RTMP for `seconds`: its stream and the frames decoded.
  MediaInfo ReadRtmp(const std::string& name, double seconds) const
  {
    return Probe(this->RtmpUrl(name), { "-rw_timeout", "5000000", "-read_intervals", "%+" + std::to_string(seconds) },
      true, std::chrono::seconds(static_cast<int>(seconds) + 15));
  }
  /// Waits up to `timeout` for nginx's HLS playlist of `name` to list a fragment, then probes
  /// it over HTTP (as a CDN would fetch it).
  MediaInfo ReadHls(const std::string& name, std::chrono::seconds timeout) const
  {
    const std::string playlist = this->HlsPlaylist(name);
    if (!Eventually(timeout, [&] { return FileText(playlist).find(".ts") != std::string::npos; }))
    {
      MediaInfo none;
      none.Error = "no HLS fragment listed in " + playlist + " within " + std::to_string(timeout.count()) + " s";
      return none;
    }
    // A live playlist never ends: read 2 s of it (from its live edge, as players start).
    return Probe(this->HlsUrl(name), { "-read_intervals", "%+2" }, true, std::chrono::seconds(30));
  }

  TempDir Dir{ "nginx" };
  std::uint16_t RtmpPort = 0, HttpPort = 0;
  pid_t Pid = -1;
};

/// An ffmpeg that publishes a test pattern (H.264, key frame every second) to `url` until destroyed.
class TestPatternPublisher
{
public:
  TestPatternPublisher(const std::string& url, int width, int height)
    : Log(Dir / "ffmpeg.log")
  {
    const std::string size = std::to_string(width) + "x" + std::to_string(height);
    this->Pid = Spawn({ "/usr/bin/ffmpeg", "-nostdin", "-v", "error", "-re", "-f", "lavfi", "-i",
                        "testsrc=size=" + size + ":rate=30", "-c:v", "libx264", "-preset", "ultrafast", "-tune",
                        "zerolatency", "-g", "30", "-pix_fmt", "yuv420p", "-f", "flv", url },
      this->Log);
  }
  ~TestPatternPublisher()
  {
    ::kill(this->Pid, SIGKILL);
    ::waitpid(this->Pid, nullptr, 0);
  }
  TestPatternPublisher(const TestPatternPublisher&) = delete;
  TestPatternPublisher& operator=(const TestPatternPublisher&) = delete;

  TempDir Dir{ "ffmpeg" };
  std::string Log;
  pid_t Pid = -1;
};
} // namespace renderstream::testing

#endif
