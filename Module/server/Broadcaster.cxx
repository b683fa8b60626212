#include "Broadcaster.h"

namespace renderstream::server
{
Broadcaster::Broadcaster(std::size_t maxClients, std::function<void(std::size_t)> onCount)
  : MaxClients(maxClients)
  , OnCount(std::move(onCount))
{
}

std::uint64_t Broadcaster::Join(const std::shared_ptr<FrameSink>& sink)
{
  const std::uint64_t id = this->NextId++;
  this->Sinks.emplace(id, sink);
  if (this->OnCount)
  {
    this->OnCount(this->Sinks.size());
  }
  return id;
}

void Broadcaster::Leave(std::uint64_t id)
{
  if (this->Sinks.erase(id) && this->OnCount)
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
  for (const auto& [id, weak] : this->Sinks)
  {
    if (auto sink = weak.lock())
    {
      sinks.push_back(std::move(sink));
    }
  }
  return sinks;
}
} // namespace renderstream::server
