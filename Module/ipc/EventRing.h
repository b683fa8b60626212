// Bounded single-producer/single-consumer ring of InputEvent living in shared memory
// (in the spirit of rigtorp/SPSCQueue). The producer never blocks: when the ring is full the
// event is dropped and counted.
#ifndef renderstream_ipc_EventRing_h
#define renderstream_ipc_EventRing_h

#include "Layout.h"

namespace renderstream::ipc
{
class EventRing
{
public:
  EventRing(EventRingState& state, InputEvent* storage, std::uint32_t capacity)
    : State(&state)
    , Storage(storage)
    , Mask(capacity - 1)
  {
  }

  /// Server side. Returns false (and counts an overflow) when the ring is full.
  [[nodiscard]] bool TryPush(const InputEvent& event)
  {
    const auto write = this->State->WriteIndex.load(std::memory_order_relaxed);
    const auto read = this->State->ReadIndex.load(std::memory_order_acquire);
    if (write - read > this->Mask)
    {
      this->State->Overflows.fetch_add(1, std::memory_order_relaxed);
      return false;
    }
    this->Storage[write & this->Mask] = event;
    this->State->WriteIndex.store(write + 1, std::memory_order_release);
    return true;
  }

  /// Render side. Returns false when empty.
  [[nodiscard]] bool TryPop(InputEvent& event)
  {
    const auto read = this->State->ReadIndex.load(std::memory_order_relaxed);
    const auto write = this->State->WriteIndex.load(std::memory_order_acquire);
    if (read == write)
    {
      return false;
    }
    event = this->Storage[read & this->Mask];
    this->State->ReadIndex.store(read + 1, std::memory_order_release);
    return true;
  }

  bool Empty() const
  {
    return this->State->ReadIndex.load(std::memory_order_relaxed) ==
      this->State->WriteIndex.load(std::memory_order_acquire);
  }

  std::uint64_t Overflows() const
  {
    return this->State->Overflows.load(std::memory_order_relaxed);
  }
  std::uint32_t Capacity() const { return this->Mask + 1; }

private:
  EventRingState* State;
  InputEvent* Storage;
  std::uint32_t Mask;
};
} // namespace renderstream::ipc

#endif
