// Connections that have not shown a token yet. Each holds a file descriptor and a parse
// buffer, so anyone who can connect could otherwise fill the descriptor table and lock every
// viewer out. Bounded: when full, the oldest is closed, so a token holder always gets in
// (an attacker must then out-race every legitimate request). io thread only; no Beast.
#ifndef renderstream_server_PendingConnections_h
#define renderstream_server_PendingConnections_h

#include <cstddef>
#include <cstdint>
#include <functional>
#include <map>

namespace renderstream::server
{
class PendingConnections
{
public:
  using Id = std::uint64_t;

  explicit PendingConnections(std::size_t capacity)
    : Capacity(capacity < 1 ? 1 : capacity)
  {
  }

  /// Registers a new connection with the callback that closes it. When that makes one too
  /// many, the oldest one is closed (its callback runs now) and forgotten.
  Id Add(std::function<void()> close)
  {
    const Id id = this->NextId++;
    this->Open.emplace(id, std::move(close));
    if (this->Open.size() > this->Capacity)
    {
      auto oldest = this->Open.begin(); // ids only grow: the first is the oldest
      std::function<void()> evict = std::move(oldest->second);
      this->Open.erase(oldest);
      ++this->EvictedCount;
      evict();
    }
    return id;
  }

  /// The connection authenticated or closed (unknown ids are ignored).
  void Remove(Id id) { this->Open.erase(id); }

  std::size_t Size() const { return this->Open.size(); }
  std::size_t GetCapacity() const { return this->Capacity; }
  std::uint64_t Evicted() const { return this->EvictedCount; }

private:
  std::size_t Capacity;
  Id NextId = 1;
  std::map<Id, std::function<void()>> Open;
  std::uint64_t EvictedCount = 0;
};
} // namespace renderstream::server

#endif
