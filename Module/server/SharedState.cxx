#include "SharedState.h"

#include "RequestTarget.h"
#include "SignInPage.h"

#include <algorithm>
#include <cctype>
#include <cstring>
#include <iostream>

#include <arpa/inet.h>
#include <netdb.h>
#include <sys/resource.h>
#include <unistd.h>

namespace renderstream::server
{
namespace
{
// Room for connections without a token: a quarter of the descriptor limit (main() raises it
// to the hard limit), so that streams and the segment keep the rest; at most 512 (each holds a
// parse buffer of up to 8 KiB headers).
std::size_t PendingCapacity()
{
  rlimit limit{};
  const rlim_t files = ::getrlimit(RLIMIT_NOFILE, &limit) == 0 ? limit.rlim_cur : 1024;
  return static_cast<std::size_t>(std::clamp<rlim_t>(files / 4, 16, 512));
}

bool ConstantTimeEqual(std::string_view a, std::string_view b)
{
  unsigned char diff = a.size() == b.size() ? 0 : 1;
  const std::size_t n = a.size() < b.size() ? a.size() : b.size();
  for (std::size_t i = 0; i < n; ++i)
  {
    diff |= static_cast<unsigned char>(a[i] ^ b[i]);
  }
  return diff == 0;
}
// This machine's names (gethostname and its canonical name), lower case.
std::vector<std::string> MachineNames()
{
  std::vector<std::string> names;
  char name[256] = {};
  if (::gethostname(name, sizeof(name) - 1) != 0 || !*name)
  {
    return names;
  }
  names.emplace_back(name);
  addrinfo hints{};
  hints.ai_flags = AI_CANONNAME;
  addrinfo* info = nullptr;
  if (::getaddrinfo(name, nullptr, &hints, &info) == 0)
  {
    if (info && info->ai_canonname)
    {
      names.emplace_back(info->ai_canonname);
    }
    ::freeaddrinfo(info);
  }
  for (std::string& n : names)
  {
    std::transform(n.begin(), n.end(), n.begin(), [](unsigned char c) { return std::tolower(c); });
  }
  return names;
}

bool IsAddress(const std::string& name)
{
  unsigned char bytes[16];
  return ::inet_pton(AF_INET, name.c_str(), bytes) == 1 || ::inet_pton(AF_INET6, name.c_str(), bytes) == 1;
}

// Origins are canonical (RequestTarget.h); the check keeps a malformed one from adding a
// directive to the policy.
bool SafeInPolicy(const std::string& origin)
{
  return std::all_of(origin.begin(), origin.end(),
    [](unsigned char c) { return std::isalnum(c) || std::strchr(":/.-[]", c); });
}
} // namespace

SharedState::SharedState(ServerOptions options, std::string token, std::string viewToken,
  ipc::StreamSegment& segment)
  : Options(std::move(options))
  , Token(std::move(token))
  , ViewToken(std::move(viewToken))
  , Segment(segment)
  , Frames(static_cast<std::size_t>(this->Options.MaxClients), [&segment](std::size_t n) {
    segment.SetViewers(static_cast<std::uint32_t>(n));
  })
  , Room(this->Options.Control, this->Stats, segment)
  , Pending(PendingCapacity())
  , KnownHosts(MachineNames())
{
  std::string frameAncestors = "'self'";
  for (const std::string& origin : this->Options.AllowOrigins)
  {
    std::string host;
    if (HostHeaderName(origin.substr(origin.find("://") + 3), host))
    {
      this->KnownHosts.push_back(host);
    }
    if (SafeInPolicy(origin))
    {
      frameAncestors += " " + origin;
    }
  }
  this->PagePolicy = "default-src 'self'; img-src 'self' blob: data:; connect-src 'self' ws: wss:; "
                     "style-src 'self'; script-src 'self'; "
                     "frame-ancestors " + frameAncestors;
  this->SignInPagePolicy = renderstream::server::SignInPagePolicy(frameAncestors);
}

bool SharedState::HostAllowed(std::string_view host) const
{
  if (host.empty())
  {
    return true;
  }
  std::string name;
  if (!HostHeaderName(host, name))
  {
    return false;
  }
  if (name.back() == '.')
  {
    name.pop_back(); // "localhost." is "localhost"
  }
  const auto endsWith = [&name](std::string_view tail) {
    return name.size() >= tail.size() && name.compare(name.size() - tail.size(), tail.size(), tail) == 0;
  };
  return IsAddress(name) || name == "localhost" || endsWith(".localhost") ||
    std::find(this->KnownHosts.begin(), this->KnownHosts.end(), name) != this->KnownHosts.end();
}

SharedState::Access SharedState::Authorize(std::string_view token) const
{
  if (token.empty())
  {
    return Access::None;
  }
  const bool full = ConstantTimeEqual(token, this->Token);
  const bool view = ConstantTimeEqual(token, this->ViewToken);
  if (full)
  {
    return this->Options.ViewOnly ? Access::View : Access::Full;
  }
  return view ? Access::View : Access::None;
}

std::string SharedState::PageUrl() const
{
  return this->Options.PublicUrl.empty() ? this->LocalUrl() : this->Options.PublicUrl;
}

std::string SharedState::LocalUrl() const
{
  const std::string& bind = this->Options.Bind;
  const std::string host = bind == "0.0.0.0" || bind == "::" ? "127.0.0.1"
    : bind.find(':') != std::string::npos                    ? "[" + bind + "]"
                                                             : bind;
  return "http://" + host + ":" + std::to_string(this->Port) + "/";
}

bool SharedState::OriginAllowed(std::string_view origin, std::string_view host) const
{
  if (origin.empty())
  {
    return true;
  }
  // Compared in canonical form (RequestTarget.h), port included: another port of this host
  // can be another user's server, and cookies do not tell ports apart.
  std::string page, http, https;
  if (!NormalizeOrigin(origin, page))
  {
    return false;
  }
  if (!host.empty() && NormalizeOrigin("http://" + std::string(host), http) &&
    NormalizeOrigin("https://" + std::string(host), https) && (page == http || page == https))
  {
    return true;
  }
  return std::find(this->Options.AllowOrigins.begin(), this->Options.AllowOrigins.end(), page) !=
    this->Options.AllowOrigins.end();
}

void SharedState::Refuse(Refused cause, std::string_view peer, const std::string& why)
{
  const char* name = "token";
  switch (cause)
  {
    case Refused::Token:
      this->Stats.HttpUnauthorized.fetch_add(1, std::memory_order_relaxed);
      break;
    case Refused::Origin:
      this->Stats.RefusedOrigin.fetch_add(1, std::memory_order_relaxed);
      name = "origin";
      break;
    case Refused::Host:
      this->Stats.RefusedHost.fetch_add(1, std::memory_order_relaxed);
      name = "host";
      break;
    case Refused::MaxClients:
      this->Stats.ConnectionsRefused.fetch_add(1, std::memory_order_relaxed);
      name = "maxClients";
      break;
  }
  if (this->Refusals.ShouldLog(name, peer))
  {
    std::cerr << "renderstream-server: refused " << peer << ": " << why
              << " (logged once a minute per client)" << std::endl;
  }
}
void SharedState::SessionError(std::string_view kind, std::string_view remote, const std::string& why)
{
  this->Stats.SessionErrors.fetch_add(1, std::memory_order_relaxed);
  const std::string_view address = remote.substr(0, remote.rfind(':'));
  if (this->Refusals.ShouldLog("session: " + why, address))
  {
    std::cerr << "renderstream-server: the " << kind << " session of " << remote << " ended: " << why
              << " (logged once a minute per client)" << std::endl;
  }
}

void SharedState::CountSent(ClientInfo& client, std::size_t bytes)
{
  ++client.FramesSent;
  client.BytesSent += bytes;
  this->Stats.FramesSent.fetch_add(1, std::memory_order_relaxed);
  this->Stats.BytesSent.fetch_add(bytes, std::memory_order_relaxed);
  this->Segment.CountFrameSent();
}

void SharedState::CountDropped(ClientInfo& client, std::size_t frames)
{
  client.FramesDropped += frames;
  this->Stats.FramesDropped.fetch_add(frames, std::memory_order_relaxed);
}

void SharedState::CountDiscarded(std::size_t frames)
{
  this->Stats.FramesDiscarded.fetch_add(frames, std::memory_order_relaxed);
}
} // namespace renderstream::server
