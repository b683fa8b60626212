#include "Broadcaster.h"

#include <algorithm>

namespace renderstream::server
{
Broadcaster::Broadcaster(std::size_t maxClients, std::function<void(std::size_t)> onCount)
  : MaxClients(maxClients)
  , OnCount(std::move(onCount))
{
}

namespace
{
bool IsLoopback(const std::string& address)
{
  return address.rfind("127.", 0) == 0 || address == "::1" || address.rfind("::ffff:127.", 0) == 0;
}
} // namespace

std::string Broadcaster::Refusal(bool fullToken, const std::string& address) const
{
  if (this->Sinks.size() >= this->MaxClients)
  {
    return "this server allows " + std::to_string(this->MaxClients) + " viewers at once (--max-clients)";
  }
  const std::size_t reserved = this->MaxClients < 2 ? 0 : std::max<std::size_t>(1, this->MaxClients / kReservedShare);
  if (!fullToken && this->ViewOnly >= this->MaxClients - reserved)
  {
    return "the remaining " + std::to_string(reserved) + " viewer slots are kept for the full-access link";
  }
  const std::size_t perAddress = std::max<std::size_t>(4, this->MaxClients / 4);
  if (!IsLoopback(address) &&
    std::count_if(this->Sinks.begin(), this->Sinks.end(), [&](const auto& s) { return s.second.Address == address; }) >=
      static_cast<std::ptrdiff_t>(perAddress))
  {
    return "at most " + std::to_string(perAddress) + " viewers may watch from one address (" + address + ")";
  }
  return {};
}

std::uint64_t Broadcaster::Join(const std::shared_ptr<FrameSink>& sink, bool fullToken, std::string address)
{
  const std::uint64_t id = this->NextId++;
  this->Sinks.emplace(id, Entry{ sink, fullToken, std::move(address) });
  this->ViewOnly += fullToken ? 0 : 1;
  if (this->OnCount)
  {
    this->OnCount(this->Sinks.size());
  }
  return id;
}

void Broadcaster::Leave(std::uint64_t id)
{
  const auto found = this->Sinks.find(id);
  if (found == this->Sinks.end())
  {
    return;
  }
  this->ViewOnly -= found->second.FullToken ? 0 : 1;
  this->Sinks.erase(found);
  if (this->OnCount)
  {
    this->OnCount(this->Sinks.size());
  }
}

void Broadcaster::Publish(const FrameSetPtr& set)
{
  if (set->Levels[0])
  {
    this->LatestFrame = set->Levels[0];
  }
  for (const auto& sink : this->LiveSinks())
  {
    sink->Deliver(set);
  }
}

void Broadcaster::Announce(const std::string& json)
{
  for (const auto& sink : this->LiveSinks())
  {
    sink->Notify(json);
  }
}

void Broadcaster::CloseAll()
{
  for (const auto& sink : this->LiveSinks())
  {
    sink->Close();
  }
}

std::vector<ClientInfo> Broadcaster::Clients() const
{
  std::vector<ClientInfo> clients;
  for (const auto& sink : this->LiveSinks())
  {
    clients.push_back(sink->Info());
  }
  return clients;
}

std::vector<std::shared_ptr<FrameSink>> Broadcaster::LiveSinks() const
{
  // Strong pointers, taken before any call into a session: a Deliver() or Close() may fail
  // synchronously and Leave(), which changes the map.
  std::vector<std::shared_ptr<FrameSink>> sinks;
  sinks.reserve(this->Sinks.size());
  for (const auto& [id, entry] : this->Sinks)
  {
    if (auto sink = entry.Sink.lock())
    {
      sinks.push_back(std::move(sink));
    }
  }
  return sinks;
}
} // namespace renderstream::server
