#include "TestClient.h"

#include "BeastClient.h"
#include "Wait.h"

#include <boost/beast/websocket.hpp>
#include <turbojpeg.h>

#include <cctype>
#include <cstdlib>

namespace renderstream::testing
{
namespace websocket = beast::websocket;

HttpReply HttpRequest(std::uint16_t port, const std::string& target,
  const std::map<std::string, std::string>& headers, const std::string& method, const std::string& body)
{
  HttpReply reply;
  try
  {
    net::io_context ioc;
    tcp::socket socket = Connect(ioc, port);
    http::request<http::string_body> request{ http::string_to_verb(method), target, 11 };
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
    parser.skip(request.method() == http::verb::head); // a HEAD response has headers only
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

nlohmann::json WaitForStats(std::uint16_t port, const std::string& token,
  const std::function<bool(const nlohmann::json&)>& done, std::chrono::milliseconds timeout)
{
  nlohmann::json stats;
  Eventually(timeout, [&] {
    stats = GetStats(port, token);
    return stats.is_object() && done(stats);
  });
  return stats;
}

std::string RawExchange(std::uint16_t port, const std::string& bytes, std::chrono::milliseconds timeout)
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
      // A raw recv(): SO_RCVTIMEO applies (see SetTimeouts).
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

int RawStatus(const std::string& response)
{
  if (response.size() < 12 || response.compare(0, 5, "HTTP/") != 0)
  {
    return 0;
  }
  return std::atoi(response.c_str() + 9);
}

namespace
{
/// Reads from `socket` into `data` until it holds `bytes` bytes; false on error or close.
bool Fill(tcp::socket& socket, std::string& data, std::size_t bytes)
{
  char chunk[16384];
  while (data.size() < bytes)
  {
    boost::system::error_code ec;
    const std::size_t n = socket.read_some(net::buffer(chunk), ec);
    if (ec)
    {
      return false;
    }
    data.append(chunk, n);
  }
  return true;
}

/// Reads until `data` holds `marker`, then takes everything up to it out of `data`; empty on
/// error or close.
std::string ReadUntil(tcp::socket& socket, std::string& data, const std::string& marker)
{
  char chunk[16384];
  while (data.find(marker) == std::string::npos)
  {
    boost::system::error_code ec;
    const std::size_t n = socket.read_some(net::buffer(chunk), ec);
    if (ec)
    {
      return {};
    }
    data.append(chunk, n);
  }
  const auto end = data.find(marker) + marker.size();
  std::string head = data.substr(0, end);
  data.erase(0, end);
  return head;
}
} // namespace

int UpgradeStatus(std::uint16_t port, const std::string& target, const std::string& origin)
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
    return RawStatus(ReadUntil(socket, received, "\r\n\r\n"));
  }
  catch (const std::exception&)
  {
    return 0;
  }
}

DecodedImage DecodeJpeg(const std::string& jpeg)
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

bool IsCompleteJpeg(const std::string& bytes)
{
  return bytes.size() > 4 && static_cast<unsigned char>(bytes[0]) == 0xFF &&
    static_cast<unsigned char>(bytes[1]) == 0xD8 &&
    static_cast<unsigned char>(bytes[bytes.size() - 2]) == 0xFF &&
    static_cast<unsigned char>(bytes[bytes.size() - 1]) == 0xD9;
}

// ---------------------------------------------------------------------------------------------
struct MjpegClient::Connection
{
  net::io_context Ioc; // first: the socket below is built from it
  tcp::socket Socket;
  std::string Data; // read but not yet taken

  explicit Connection(std::uint16_t port)
    : Socket(Connect(this->Ioc, port))
  {
  }
};

MjpegClient::MjpegClient(std::uint16_t port, const std::string& target)
  : Impl(std::make_unique<Connection>(port))
{
  const std::string request = "GET " + target + " HTTP/1.1\r\nHost: 127.0.0.1:" +
    std::to_string(port) + "\r\n\r\n";
  net::write(this->Impl->Socket, net::buffer(request));
  this->Head = ReadUntil(this->Impl->Socket, this->Impl->Data, "\r\n\r\n");
  this->Status = RawStatus(this->Head);
}

MjpegClient::~MjpegClient() = default;

bool MjpegClient::NextPart(std::string& jpeg)
{
  std::string& data = this->Impl->Data;
  const std::string headers = ReadUntil(this->Impl->Socket, data, "\r\n\r\n");
  const auto pos = headers.find("Content-Length: ");
  if (headers.empty() || pos == std::string::npos || headers.find("--") == std::string::npos)
  {
    return false;
  }
  const std::size_t length = std::stoul(headers.substr(pos + 16));
  if (!Fill(this->Impl->Socket, data, length + 2))
  {
    return false;
  }
  jpeg = data.substr(0, length);
  data.erase(0, length + 2);
  return true;
}

int MjpegClient::NativeHandle()
{
  return this->Impl->Socket.native_handle();
}

// ---------------------------------------------------------------------------------------------
struct WsClient::Connection
{
  net::io_context Ioc; // first: the stream below is built from it
  websocket::stream<tcp::socket> Ws;
  bool Failed = false;
  beast::flat_buffer AsyncBuffer; // ReadMessageUntil()'s
  bool ReadPending = false;
  bool ReadDone = false;
  boost::system::error_code AsyncError;

  explicit Connection(std::uint16_t port)
    : Ws(Connect(this->Ioc, port))
  {
  }
};

WsClient::WsClient(std::uint16_t port, const std::string& target, const std::string& origin)
  : Impl(std::make_unique<Connection>(port))
{
  auto& ws = this->Impl->Ws;
  websocket::response_type response;
  ws.set_option(websocket::stream_base::decorator([origin](websocket::request_type& r) {
    if (!origin.empty())
    {
      r.set(http::field::origin, origin);
    }
  }));
  boost::system::error_code ec;
  ws.next_layer().set_option(tcp::no_delay(true), ec); // as browsers do: acks go out at once
  ws.handshake(response, "127.0.0.1:" + std::to_string(port), target, ec);
  this->HandshakeStatus = ec ? 0 : static_cast<int>(response.result_int()); // 101
  ws.read_message_max(64 * 1024 * 1024);
}

WsClient::~WsClient() = default;

bool WsClient::Open() const
{
  return this->HandshakeStatus == 101 && !this->Impl->Failed;
}

void WsClient::SetTimeout(std::chrono::milliseconds timeout)
{
  SetTimeouts(this->Impl->Ws.next_layer(), timeout);
}

int WsClient::NativeHandle()
{
  return this->Impl->Ws.next_layer().native_handle();
}

void WsClient::Drop()
{
  boost::system::error_code ec;
  this->Impl->Ws.next_layer().close(ec);
}

bool WsClient::Read(std::string& data, bool& text)
{
  beast::flat_buffer buffer;
  boost::system::error_code ec;
  this->Impl->Ws.read(buffer, ec);
  if (ec)
  {
    this->Impl->Failed = true;
    return false;
  }
  text = this->Impl->Ws.got_text();
  data = beast::buffers_to_string(buffer.data());
  return true;
}

bool WsClient::ReadFrame(std::string& jpeg)
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

bool WsClient::ReadMessageUntil(std::string& data, bool& text, std::chrono::steady_clock::time_point deadline)
{
  Connection& c = *this->Impl;
  if (c.Failed)
  {
    return false;
  }
  if (!c.ReadPending)
  {
    c.ReadPending = true;
    c.ReadDone = false;
    c.Ws.async_read(c.AsyncBuffer, [&c](boost::system::error_code ec, std::size_t) {
      c.ReadDone = true;
      c.AsyncError = ec;
    });
  }
  c.Ioc.restart();
  c.Ioc.run_until(deadline);
  if (!c.ReadDone)
  {
    return false;
  }
  c.ReadPending = false;
  if (c.AsyncError)
  {
    c.Failed = true;
    return false;
  }
  text = c.Ws.got_text();
  data = beast::buffers_to_string(c.AsyncBuffer.data());
  c.AsyncBuffer.clear();
  return true;
}

bool WsClient::ReadFrameFor(std::string& data, std::chrono::milliseconds timeout)
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

bool WsClient::SendText(const std::string& text)
{
  boost::system::error_code ec;
  this->Impl->Ws.text(true);
  this->Impl->Ws.write(net::buffer(text), ec);
  return !ec;
}

bool WsClient::SendFrame(bool fin, const std::string& bytes)
{
  boost::system::error_code ec;
  this->Impl->Ws.text(true);
  this->Impl->Ws.write_some(fin, net::buffer(bytes), ec);
  return !ec;
}

bool WsClient::SendBinary(const std::string& bytes)
{
  boost::system::error_code ec;
  this->Impl->Ws.binary(true);
  this->Impl->Ws.write(net::buffer(bytes), ec);
  return !ec;
}

int WsClient::WaitForClose()
{
  std::string data;
  bool text = false;
  for (int i = 0; i < 1000 && this->Read(data, text); ++i)
  {
  }
  return this->Impl->Ws.reason().code;
}
} // namespace renderstream::testing
