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

void Broadcaster::Publish(const FramePtr& frame)
{
  this->LatestFrame = frame;
  // Copy the strong pointers first: a Deliver() may fail synchronously and Leave().
  std::vector<std::shared_ptr<FrameSink>> sinks;
  sinks.reserve(this->Sinks.size());
  for (const auto& [id, weak] : this->Sinks)
  {
    if (auto sink = weak.lock())
    {
      sinks.push_back(std::move(sink));
    }
  }
  for (const auto& sink : sinks)
  {
    sink->Deliver(frame);
  }
}

void Broadcaster::CloseAll()
{
  std::vector<std::shared_ptr<FrameSink>> sinks;
  for (const auto& [id, weak] : this->Sinks)
  {
    if (auto sink = weak.lock())
    {
      sinks.push_back(std::move(sink));
    }
  }
  for (const auto& sink : sinks)
  {
    sink->Close();
  }
}

std::vector<ClientInfo> Broadcaster::Clients() const
{
  std::vector<ClientInfo> clients;
  for (const auto& [id, weak] : this->Sinks)
  {
    if (auto sink = weak.lock())
    {
      clients.push_back(sink->Info());
    }
  }
  return clients;
}
} // namespace renderstream::server
