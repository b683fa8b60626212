// Runs a ForceLayout on its own thread and hands the newest positions to the render thread.
// The render thread never waits for a layout step: TakeIfNewer() copies under a short lock.
#ifndef RenderStream_LayoutWorker_h
#define RenderStream_LayoutWorker_h

#include "ForceLayout.h"

#include <atomic>
#include <chrono>
#include <cstdint>
#include <mutex>
#include <thread>
#include <vector>

class LayoutWorker
{
public:
  /// Starts stepping `layout` (owned by the caller, not touched by it until Stop()), at most
  /// `maxStepsPerSecond` times a second.
  LayoutWorker(ForceLayout& layout, double maxStepsPerSecond)
    : Layout(layout)
    , Period(std::chrono::duration<double>(1.0 / maxStepsPerSecond))
    , Latest(layout.GetPositions())
  {
    this->Thread = std::thread([this] { this->Run(); });
  }
  ~LayoutWorker() { this->Stop(); }
  LayoutWorker(const LayoutWorker&) = delete;
  LayoutWorker& operator=(const LayoutWorker&) = delete;

  void Stop()
  {
    this->Stopping = true;
    if (this->Thread.joinable())
    {
      this->Thread.join();
    }
  }

  /// Copies the newest positions into `out` if they changed since `seen`; updates `seen`.
  bool TakeIfNewer(std::uint64_t& seen, float* out)
  {
    std::lock_guard<std::mutex> lock(this->Mutex);
    if (this->Sequence == seen)
    {
      return false;
    }
    std::copy(this->Latest.begin(), this->Latest.end(), out);
    seen = this->Sequence;
    return true;
  }

  std::uint64_t GetSteps() const { return this->Steps; }

private:
  void Run()
  {
    auto next = std::chrono::steady_clock::now();
    while (!this->Stopping)
    {
      this->Layout.Step();
      {
        std::lock_guard<std::mutex> lock(this->Mutex);
        this->Latest = this->Layout.GetPositions();
        ++this->Sequence;
      }
      ++this->Steps;
      next += std::chrono::duration_cast<std::chrono::steady_clock::duration>(this->Period);
      const auto now = std::chrono::steady_clock::now();
      if (next < now)
      {
        next = now; // too slow for the cap: do not try to catch up
      }
      std::this_thread::sleep_until(next);
    }
  }

  ForceLayout& Layout;
  const std::chrono::duration<double> Period;
  std::mutex Mutex;
  std::vector<float> Latest; // guarded by Mutex
  std::uint64_t Sequence = 1; // guarded by Mutex
  std::atomic<std::uint64_t> Steps{ 0 };
  std::atomic<bool> Stopping{ false };
  std::thread Thread;
};

#endif
