// A TCP proxy on 127.0.0.1 that passes server -> client bytes at a fixed rate (token bucket),
// like a slow Wi-Fi, VPN or SSH tunnel, with modest buffers (32 KiB socket buffers on both
// sides) or the kernel's ordinary ones (autotuned: about 5 s of pictures at 300 kbit/s);
// client -> server bytes pass freely. Each accepted connection gets its own two
// forwarding threads. Stops, and closes everything, when destroyed.
#ifndef RenderStream_ThrottlingProxy_h
#define RenderStream_ThrottlingProxy_h

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <stdexcept>
#include <thread>
#include <vector>

namespace renderstream::testing
{
class ThrottlingProxy
{
public:
  enum class Buffers { Small, Ordinary };
  ThrottlingProxy(std::uint16_t upstreamPort, double bitsPerSecond, Buffers buffers = Buffers::Small)
    : Upstream(upstreamPort)
    , BytesPerSecond(bitsPerSecond / 8)
    , SmallBuffers(buffers == Buffers::Small)
  {
    this->Listening = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in address = Loopback(0);
    socklen_t length = sizeof(address);
    if (this->Listening < 0 || ::bind(this->Listening, reinterpret_cast<sockaddr*>(&address), length) != 0 ||
      ::listen(this->Listening, 16) != 0 ||
      ::getsockname(this->Listening, reinterpret_cast<sockaddr*>(&address), &length) != 0)
    {
      throw std::runtime_error("ThrottlingProxy: cannot listen");
    }
    this->Port = ntohs(address.sin_port);
    this->Acceptor = std::thread([this] { this->Accept(); });
  }
  ~ThrottlingProxy()
  {
    this->Stop = true;
    this->Acceptor.join(); // no more connections
    for (int fd : this->Sockets)
    {
      ::shutdown(fd, SHUT_RDWR); // unblocks a send() to a client that stopped reading
    }
    for (std::thread& thread : this->Threads)
    {
      thread.join();
    }
    for (int fd : this->Sockets)
    {
      ::close(fd);
    }
    ::close(this->Listening);
  }
  ThrottlingProxy(const ThrottlingProxy&) = delete;
  ThrottlingProxy& operator=(const ThrottlingProxy&) = delete;

  std::uint16_t Port = 0; // connect here instead of to the server

  /// The link gets faster or slower (every connection, from now on).
  void SetRate(double bitsPerSecond) { this->BytesPerSecond = bitsPerSecond / 8; }

private:
  static sockaddr_in Loopback(std::uint16_t port)
  {
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_port = htons(port);
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    return address;
  }
  static void MakeBuffersSmall(int fd)
  {
    const int bytes = 32 * 1024;
    ::setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &bytes, sizeof(bytes));
    ::setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &bytes, sizeof(bytes));
  }
  // Waits up to 50 ms for `fd` to be readable; false when stopping.
  bool Readable(int fd) const
  {
    pollfd p{ fd, POLLIN, 0 };
    while (!this->Stop)
    {
      if (::poll(&p, 1, 50) > 0)
      {
        return true;
      }
    }
    return false;
  }

  void Accept()
  {
    while (this->Readable(this->Listening))
    {
      const int client = ::accept4(this->Listening, nullptr, nullptr, SOCK_CLOEXEC);
      if (client < 0)
      {
        continue;
      }
      const int server = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
      if (this->SmallBuffers)
      {
        MakeBuffersSmall(client);
        MakeBuffersSmall(server);
      }
      const sockaddr_in address = Loopback(this->Upstream);
      if (::connect(server, reinterpret_cast<const sockaddr*>(&address), sizeof(address)) != 0)
      {
        ::close(client);
        ::close(server);
        continue;
      }
      this->Sockets.insert(this->Sockets.end(), { client, server });
      this->Threads.emplace_back([this, client, server] { this->Pass(client, server, false); });
      this->Threads.emplace_back([this, client, server] { this->Pass(server, client, true); });
    }
  }

  // Copies from -> to; throttled, at most BytesPerSecond (bursts of 4 KiB).
  void Pass(int from, int to, bool throttled)
  {
    constexpr double kBurst = 4096;
    double tokens = kBurst;
    auto last = std::chrono::steady_clock::now();
    char buffer[4096];
    while (this->Readable(from))
    {
      std::size_t want = sizeof(buffer);
      if (throttled)
      {
        for (;;)
        {
          const auto now = std::chrono::steady_clock::now();
          const double rate = this->BytesPerSecond;
          tokens = std::min(kBurst, tokens + rate * std::chrono::duration<double>(now - last).count());
          last = now;
          if (tokens >= 1024 || this->Stop)
          {
            break;
          }
          std::this_thread::sleep_for(std::chrono::milliseconds(2));
        }
        want = std::min(want, static_cast<std::size_t>(tokens));
      }
      const ssize_t n = ::recv(from, buffer, want, 0);
      if (n <= 0)
      {
        break;
      }
      tokens -= static_cast<double>(n);
      for (ssize_t sent = 0; sent < n && !this->Stop;)
      {
        const ssize_t m = ::send(to, buffer + sent, static_cast<std::size_t>(n - sent), MSG_NOSIGNAL);
        if (m <= 0)
        {
          return;
        }
        sent += m;
      }
    }
    ::shutdown(to, SHUT_WR);
  }

  const std::uint16_t Upstream;
  std::atomic<double> BytesPerSecond;
  const bool SmallBuffers;
  int Listening = -1;
  std::atomic<bool> Stop{ false };
  std::thread Acceptor;
  std::vector<int> Sockets;         // written by Acceptor only, read once it has ended
  std::vector<std::thread> Threads; // likewise
};
} // namespace renderstream::testing

#endif
