// Test helper: tiny synchronous clients (HTTP, raw bytes, MJPEG, WebSocket) with receive
// timeouts so that no test can hang on a silent server. Beast stays in TestClient.cxx, built
// once for every test (it is most of a test's compile time).
#ifndef renderstream_Testing_TestClient_h
#define renderstream_Testing_TestClient_h

#include <nlohmann/json.hpp>

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

namespace renderstream::testing
{
struct HttpReply
{
  int Status = 0;
  std::map<std::string, std::string> Headers; // lower-case names
  std::string Body;
  std::string Error;
  std::string Header(const std::string& name) const
  {
    const auto it = this->Headers.find(name);
    return it == this->Headers.end() ? std::string() : it->second;
  }
};

/// One HTTP/1.1 request (`method` as on the wire: "GET", "HEAD", "POST", ...); a failure to
/// connect or read is in Error.
HttpReply HttpRequest(std::uint16_t port, const std::string& target,
  const std::map<std::string, std::string>& headers = {}, const std::string& method = "GET",
  const std::string& body = {});

inline HttpReply HttpGet(std::uint16_t port, const std::string& target,
  const std::map<std::string, std::string>& headers = {})
{
  return HttpRequest(port, target, headers);
}

/// The server's /stats document (discarded JSON if it did not answer with one).
inline nlohmann::json GetStats(std::uint16_t port, const std::string& token)
{
  return nlohmann::json::parse(HttpGet(port, "/stats?token=" + token).Body, nullptr, false);
}

/// Polls /stats until `done` holds for it or `timeout` has passed: the last document read.
nlohmann::json WaitForStats(std::uint16_t port, const std::string& token,
  const std::function<bool(const nlohmann::json&)>& done,
  std::chrono::milliseconds timeout = std::chrono::seconds(5));

/// A left-button pointer event as the viewer page sends it (Module/server/README.md).
inline std::string Pointer(const char* action, double x, double y)
{
  return std::string(R"({"type":"pointer","action":")") + action + R"(","x":)" + std::to_string(x) +
    R"(,"y":)" + std::to_string(y) + R"(,"button":0})";
}

/// Sends raw bytes and returns the first response: up to the end of its Content-Length body,
/// the server's close, or `timeout` of silence.
std::string RawExchange(std::uint16_t port, const std::string& bytes,
  std::chrono::milliseconds timeout = std::chrono::seconds(3));

/// Status code of a raw HTTP response ("HTTP/1.1 431 ..."), 0 if none.
int RawStatus(const std::string& response);

/// Status of a WebSocket upgrade request for `target` (101 = accepted), read as soon as the
/// response header is complete (Beast's client does not report a declined status).
int UpgradeStatus(std::uint16_t port, const std::string& target, const std::string& origin = {});

struct DecodedImage
{
  int Width = 0, Height = 0;
  std::vector<unsigned char> Rgb; // top-down
  bool Ok = false;
  const unsigned char* At(int x, int y) const { return &this->Rgb[(std::size_t(y) * this->Width + x) * 3]; }
};

DecodedImage DecodeJpeg(const std::string& jpeg);
bool IsCompleteJpeg(const std::string& bytes);

/// Reads a multipart/x-mixed-replace stream part by part.
class MjpegClient
{
public:
  MjpegClient(std::uint16_t port, const std::string& target);
  ~MjpegClient();

  /// Next JPEG part; false on timeout, close or a malformed part.
  bool NextPart(std::string& jpeg);
  int NativeHandle();

  int Status = 0;
  std::string Head;

private:
  struct Connection;
  std::unique_ptr<Connection> Impl;
};

/// Synchronous WebSocket client.
class WsClient
{
public:
  /// Connects and upgrades; HandshakeStatus is 101 on success, else the HTTP status.
  WsClient(std::uint16_t port, const std::string& target, const std::string& origin = {});
  ~WsClient();

  bool Open() const;
  void SetTimeout(std::chrono::milliseconds timeout);
  int NativeHandle();
  /// Closes the TCP connection without a close handshake.
  void Drop();

  /// Reads one message; false on error/close (then WaitForClose() may say why).
  bool Read(std::string& data, bool& text);
  /// Reads until a binary message arrives (skipping text); false on error.
  bool ReadFrame(std::string& jpeg);
  /// Waits until `deadline` for the next message. False on timeout, error or close; after a
  /// timeout the read stays pending and the next call goes on with it (do not mix with Read()
  /// until it completed).
  bool ReadMessageUntil(std::string& data, bool& text, std::chrono::steady_clock::time_point deadline);
  /// Waits at most `timeout` for the next binary message (skipping text); as above.
  bool ReadFrameFor(std::string& data, std::chrono::milliseconds timeout);

  bool SendText(const std::string& text);
  /// One text frame of a message (`fin`: its last); an empty non-final one is a bare header.
  bool SendFrame(bool fin, const std::string& bytes);
  bool SendBinary(const std::string& bytes);
  /// Reads until the server closes; returns its close code (0 if none arrived).
  int WaitForClose();

  int HandshakeStatus = 0;

private:
  struct Connection;
  std::unique_ptr<Connection> Impl;
};
} // namespace renderstream::testing

#endif
