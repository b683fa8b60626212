#include "AppBusy.h"

namespace renderstream::server
{
int AppBusy::Update(std::int64_t nowNs, std::int64_t aliveNs, std::int64_t lastInputNs)
{
  if (this->WaitingSinceNs && aliveNs >= this->WaitingSinceNs)
  {
    this->WaitingSinceNs = 0; // it showed life after that input came: it is keeping up
  }
  if (!this->WaitingSinceNs && lastInputNs > aliveNs)
  {
    // The newest input, not the oldest: under a steady drag the application is always an
    // event or two behind, which is no reason to call it busy.
    this->WaitingSinceNs = lastInputNs;
  }
  const std::int64_t waited = this->WaitingSinceNs ? nowNs - this->WaitingSinceNs : 0;
  return waited >= kBusyAfterNs ? static_cast<int>(waited / 1'000'000'000) : 0;
}
} // namespace renderstream::server
