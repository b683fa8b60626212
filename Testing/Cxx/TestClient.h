// Test helper: tiny synchronous Beast clients (HTTP, raw bytes, MJPEG, WebSocket) with
// receive timeouts so that no test can hang on a silent server.
#ifndef renderstream_Testing_TestClient_h
#define renderstream_Testing_TestClient_h

#include <boost/asio/connect.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/websocket.hpp>

#include <nlohmann/json.hpp>
#include <turbojpeg.h>

#include <cctype>
#include <chrono>
#include <map>
#include <string>
#include <sys/socket.h>
#include <vector>

namespace renderstream::testing
{
namespace net = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace websocket = beast::websocket;
using tcp = net::ip::tcp;

// Note: Asio's blocking reads poll again after an SO_RCVTIMEO expiry, so these timeouts only
// bound raw recv()s; threads that must stop are unblocked with ::shutdown() on their socket.
inline void SetTimeouts(tcp::socket& socket, std::chrono::milliseconds timeout)
{
  timeval tv{};
  tv.tv_sec = static_cast<time_t>(timeout.count() / 1000);
  tv.tv_usec = static_cast<suseconds_t>((timeout.count() % 1000) * 1000);
  ::setsockopt(socket.native_handle(), SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
  ::setsockopt(socket.native_handle(), SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
}

inline tcp::socket Connect(net::io_context& ioc, std::uint16_t port,
  std::chrono::milliseconds timeout = std::chrono::seconds(5))
{
  tcp::socket socket(ioc);
  socket.connect(tcp::endpoint(net::ip::make_address("127.0.0.1"), port));
  SetTimeouts(socket, timeout);
  return socket;
}

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

inline HttpReply HttpRequest(std::uint16_t port, const std::string& target,
  const std::map<std::string, std::string>& headers = {}, http::verb method = http::verb::get,
  const std::string& body = {})
{
  HttpReply reply;
  try
  {
    net::io_context ioc;
    tcp::socket socket = Connect(ioc, port);
    http::request<http::string_body> request{ method, target, 11 };
    request.set(http::field::host, "127.0.0.1:" + std::to_string(port));
    for (const auto& [name, value] : headers)
    {
      request.set(name, value);
    }
    if (!body.empty())
    {
      request.body() = body;
      request.prepare_payload();
    }
    http::write(socket, request);
    beast::flat_buffer buffer;
    http::response_parser<http::string_body> parser;
    parser.body_limit(64 * 1024 * 1024);
    parser.skip(method == http::verb::head); // a HEAD response has headers only
    http::read(socket, buffer, parser);
    const auto& response = parser.get();
    reply.Status = static_cast<int>(response.result_int());
    for (const auto& field : response)
    {
      std::string name(field.name_string());
      for (auto& c : name)
      {
        c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
      }
      reply.Headers[name] = std::string(field.value());
    }
    reply.Body = response.body();
  }
  catch (const std::exception& e)
  {
    reply.Error = e.what();
  }
  return reply;
}

/// A left-button pointer event as the viewer page sends it (Module/server/README.md).
inline std::string Pointer(const char* action, double x, double y)
{
  return std::string(R"({"type":"pointer","action":")") + action + R"(","x":)" + std::to_string(x) +
    R"(,"y":)" + std::to_string(y) + R"(,"button":0})";
}

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

/// Sends raw bytes and returns the first response: up to the end of its Content-Length body,
/// the server's close, or `timeout` of silence (raw recv(), so SO_RCVTIMEO applies).
inline std::string RawExchange(std::uint16_t port, const std::string& bytes,
  std::chrono::milliseconds timeout = std::chrono::seconds(3))
{
  std::string received;
  try
  {
    net::io_context ioc;
    tcp::socket socket = Connect(ioc, port, timeout);
    boost::system::error_code ec;
    net::write(socket, net::buffer(bytes), ec);
    char chunk[4096];
    while (true)
    {
      const ssize_t n = ::recv(socket.native_handle(), chunk, sizeof(chunk), 0);
      if (n <= 0)
      {
        break;
      }
      received.append(chunk, static_cast<std::size_t>(n));
      const auto end = received.find("\r\n\r\n");
      if (end != std::string::npos)
      {
        std::size_t length = 0;
        const auto field = received.find("Content-Length: ");
        if (field != std::string::npos && field < end)
        {
          length = std::stoul(received.substr(field + 16));
        }
        if (received.size() >= end + 4 + length)
        {
          break;
        }
      }
    }
  }
  catch (const std::exception&)
  {
  }
  return received;
}

/// Status code of a raw HTTP response ("HTTP/1.1 431 ..."), 0 if none.
inline int RawStatus(const std::string& response)
{
  if (response.size() < 12 || response.compare(0, 5, "HTTP/") != 0)
  {
    return 0;
  }
  return std::atoi(response.c_str() + 9);
}

/// Status of a WebSocket upgrade request for `target` (101 = accepted), read as soon as the
/// response header is complete (Beast's client does not report a declined status).
inline int UpgradeStatus(std::uint16_t port, const std::string& target, const std::string& origin = {})
{
  try
  {
    net::io_context ioc;
    tcp::socket socket = Connect(ioc, port, std::chrono::seconds(3));
    std::string request = "GET " + target + " HTTP/1.1\r\nHost: 127.0.0.1:" +
      std::to_string(port) +
      "\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
      "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n";
    if (!origin.empty())
    {
      request += "Origin: " + origin + "\r\n";
    }
    request += "\r\n";
    net::write(socket, net::buffer(request));
    std::string received;
    char chunk[4096];
    while (received.find("\r\n\r\n") == std::string::npos)
    {
      boost::system::error_code ec;
      const std::size_t n = socket.read_some(net::buffer(chunk), ec);
      if (ec)
      {
        break;
      }
      received.append(chunk, n);
    }
    return RawStatus(received);
  }
  catch (const std::exception&)
  {
    return 0;
  }
}

struct DecodedImage
{
  int Width = 0, Height = 0;
  std::vector<unsigned char> Rgb; // top-down
  bool Ok = false;
  const unsigned char* At(int x, int y) const { return &this->Rgb[(std::size_t(y) * this->Width + x) * 3]; }
};

inline DecodedImage DecodeJpeg(const std::string& jpeg)
{
  DecodedImage image;
  tjhandle handle = tjInitDecompress();
  int subsampling = 0, colorspace = 0;
  auto* data = reinterpret_cast<const unsigned char*>(jpeg.data());
  if (tjDecompressHeader3(handle, data, static_cast<unsigned long>(jpeg.size()), &image.Width,
        &image.Height, &subsampling, &colorspace) == 0)
  {
    image.Rgb.resize(std::size_t(image.Width) * image.Height * 3);
    image.Ok = tjDecompress2(handle, data, static_cast<unsigned long>(jpeg.size()),
                 image.Rgb.data(), image.Width, 0, image.Height, TJPF_RGB, 0) == 0;
  }
  tjDestroy(handle);
  return image;
}

inline bool IsCompleteJpeg(const std::string& bytes)
{
  return bytes.size() > 4 && static_cast<unsigned char>(bytes[0]) == 0xFF &&
    static_cast<unsigned char>(bytes[1]) == 0xD8 &&
    static_cast<unsigned char>(bytes[bytes.size() - 2]) == 0xFF &&
    static_cast<unsigned char>(bytes[bytes.size() - 1]) == 0xD9;
}

/// Reads a multipart/x-mixed-replace stream part by part.
class MjpegClient
{
  net::io_context Ioc; // first: the socket below is built from it

public:
  MjpegClient(std::uint16_t port, const std::string& target)
    : Socket(Connect(this->Ioc, port))
  {
    const std::string request = "GET " + target + " HTTP/1.1\r\nHost: 127.0.0.1:" +
      std::to_string(port) + "\r\n\r\n";
    net::write(this->Socket, net::buffer(request));
    this->Head = this->ReadUntil("\r\n\r\n");
    this->Status = RawStatus(this->Head);
  }

  /// Next JPEG part; false on timeout, close or a malformed part.
  bool NextPart(std::string& jpeg)
  {
    std::string headers = this->ReadUntil("\r\n\r\n");
    const auto pos = headers.find("Content-Length: ");
    if (headers.empty() || pos == std::string::npos || headers.find("--") == std::string::npos)
    {
      return false;
    }
    const std::size_t length = std::stoul(headers.substr(pos + 16));
    if (!this->Fill(length + 2))
    {
      return false;
    }
    jpeg = this->Data.substr(0, length);
    this->Data.erase(0, length + 2);
    return true;
  }

  tcp::socket& Socket_() { return this->Socket; }
  int Status = 0;
  std::string Head;

private:
  bool Fill(std::size_t bytes)
  {
    char chunk[16384];
    while (this->Data.size() < bytes)
    {
      boost::system::error_code ec;
      const std::size_t n = this->Socket.read_some(net::buffer(chunk), ec);
      if (ec)
      {
        return false;
      }
      this->Data.append(chunk, n);
    }
    return true;
  }
  std::string ReadUntil(const std::string& marker)
  {
    char chunk[16384];
    while (this->Data.find(marker) == std::string::npos)
    {
      boost::system::error_code ec;
      const std::size_t n = this->Socket.read_some(net::buffer(chunk), ec);
      if (ec)
      {
        return {};
      }
      this->Data.append(chunk, n);
    }
    const auto end = this->Data.find(marker) + marker.size();
    std::string head = this->Data.substr(0, end);
    this->Data.erase(0, end);
    return head;
  }

  tcp::socket Socket;
  std::string Data;
};

/// Synchronous WebSocket client.
class WsClient
{
  net::io_context Ioc; // first: the stream below is built from it

public:
  /// Connects and upgrades; HandshakeStatus is 101 on success, else the HTTP status.
  WsClient(std::uint16_t port, const std::string& target, const std::string& origin = {})
    : Ws(Connect(this->Ioc, port))
  {
    websocket::response_type response;
    this->Ws.set_option(websocket::stream_base::decorator([origin](websocket::request_type& r) {
      if (!origin.empty())
      {
        r.set(http::field::origin, origin);
      }
    }));
    boost::system::error_code ec;
    this->Ws.next_layer().set_option(tcp::no_delay(true), ec); // as browsers do: acks go out at once
    this->Ws.handshake(response, "127.0.0.1:" + std::to_string(port), target, ec);
    this->HandshakeStatus = ec ? 0 : static_cast<int>(response.result_int()); // 101
    this->Ws.read_message_max(64 * 1024 * 1024);
  }

  bool Open() const { return this->HandshakeStatus == 101 && !this->Failed; }
  void SetTimeout(std::chrono::milliseconds timeout) { SetTimeouts(this->Ws.next_layer(), timeout); }
  int NativeHandle() { return this->Ws.next_layer().native_handle(); }
  /// Closes the TCP connection without a close handshake.
  void Drop()
  {
    boost::system::error_code ec;
    this->Ws.next_layer().close(ec);
  }

  /// Reads one message; false on error/close (then CloseCode() may say why).
  bool Read(std::string& data, bool& text)
  {
    beast::flat_buffer buffer;
    boost::system::error_code ec;
    this->Ws.read(buffer, ec);
    if (ec)
    {
      this->Failed = true;
      this->LastError = ec;
      return false;
    }
    text = this->Ws.got_text();
    data = beast::buffers_to_string(buffer.data());
    return true;
  }

  /// Reads until a binary message arrives (skipping text); false on error.
  bool ReadFrame(std::string& jpeg)
  {
    bool text = true;
    while (text)
    {
      if (!this->Read(jpeg, text))
      {
        return false;
      }
    }
    return true;
  }

  /// Waits until `deadline` for the next message. False on timeout, error or close; after a
  /// timeout the read stays pending and the next call goes on with it (do not mix with Read()
  /// until it completed).
  bool ReadMessageUntil(std::string& data, bool& text, std::chrono::steady_clock::time_point deadline)
  {
    if (this->Failed)
    {
      return false;
    }
    if (!this->ReadPending)
    {
      this->ReadPending = true;
      this->ReadDone = false;
      this->Ws.async_read(this->AsyncBuffer, [this](boost::system::error_code ec, std::size_t) {
        this->ReadDone = true;
        this->LastError = ec;
      });
    }
    this->Ioc.restart();
    this->Ioc.run_until(deadline);
    if (!this->ReadDone)
    {
      return false;
    }
    this->ReadPending = false;
    if (this->LastError)
    {
      this->Failed = true;
      return false;
    }
    text = this->Ws.got_text();
    data = beast::buffers_to_string(this->AsyncBuffer.data());
    this->AsyncBuffer.clear();
    return true;
  }

  /// Waits at most `timeout` for the next binary message (skipping text); as above.
  bool ReadFrameFor(std::string& data, std::chrono::milliseconds timeout)
  {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    bool text = true;
    while (this->ReadMessageUntil(data, text, deadline))
    {
      if (!text)
      {
        return true;
      }
    }
    return false;
  }

  bool SendText(const std::string& text)
  {
    boost::system::error_code ec;
    this->Ws.text(true);
    this->Ws.write(net::buffer(text), ec);
    return !ec;
  }
  /// One text frame of a message (`fin`: its last); an empty non-final one is a bare header.
  bool SendFrame(bool fin, const std::string& bytes)
  {
    boost::system::error_code ec;
    this->Ws.text(true);
    this->Ws.write_some(fin, net::buffer(bytes), ec);
    return !ec;
  }
  bool SendBinary(const std::string& bytes)
  {
    boost::system::error_code ec;
    this->Ws.binary(true);
    this->Ws.write(net::buffer(bytes), ec);
    return !ec;
  }
  /// Reads until the server closes; returns its close code (0 if none arrived).
  int WaitForClose()
  {
    std::string data;
    bool text = false;
    for (int i = 0; i < 1000 && this->Read(data, text); ++i)
    {
    }
    return this->Ws.reason().code;
  }

  int HandshakeStatus = 0;
  boost::system::error_code LastError;

private:
  websocket::stream<tcp::socket> Ws;
  bool Failed = false;
  beast::flat_buffer AsyncBuffer; // ReadFrameFor()'s
  bool ReadPending = false;
  bool ReadDone = false;
};
} // namespace renderstream::testing

#endif
