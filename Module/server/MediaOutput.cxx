#include "MediaOutput.h"

#include "Layout.h"

#include <algorithm>
#include <cstdio>

namespace renderstream::server
{
namespace
{
// When a unit's picture was made: its capture; a key frame of a held picture has none (it
// repeats that picture), then its encode.
std::int64_t PictureNs(const EncodedFrame& unit)
{
  return unit.CaptureNs ? unit.CaptureNs : unit.EncodedNs;
}

} // namespace

void Say(const std::string& line)
{
  const std::string text = "renderstream-server: " + line + "\n";
  std::fwrite(text.data(), 1, text.size(), stderr); // one write: lines must not interleave
}

MediaOutput::MediaOutput(Settings settings, LevelDemand& demand, ServerStats::MediaCounters& counters)
  : Config_(std::move(settings))
  , Live(VideoMuxer::IsNetwork(this->Config_.Url))
  , Demand(demand)
  , Counters(counters)
{
  this->Demand.Video[0].fetch_add(1);
  this->Demand.KeyWanted[0] = true;
  this->SetState(ipc::PublishStatus::Connecting);
  this->Thread = std::thread([this] { this->Run(); });
}

MediaOutput::~MediaOutput()
{
  this->Stop();
}

void MediaOutput::Push(const FramePtr& unit)
{
  {
    std::lock_guard<std::mutex> lock(this->Mutex);
    if (this->Stopping || this->EndedFlag)
    {
      return;
    }
    if (this->Queue.size() >= kQueueUnits)
    {
      // The writer fell behind: what waits is dropped, and the stream goes on at a key frame.
      this->Counters.Dropped.fetch_add(this->Queue.size());
      this->Queue.clear();
      this->Queue.push_back(nullptr);
    }
    this->Queue.push_back(unit);
  }
  this->Wake.notify_one();
}

void MediaOutput::Stop()
{
  {
    std::lock_guard<std::mutex> lock(this->Mutex);
    if (this->Stopping)
    {
      return;
    }
    this->Stopping = true;
  }
  this->Abandon = this->Live;
  this->Wake.notify_one();
  this->Thread.join();
  this->Demand.Video[0].fetch_sub(1);
  if (!this->EndedFlag)
  {
    this->SetState(ipc::PublishStatus::Off);
  }
}

std::string MediaOutput::Why() const
{
  std::lock_guard<std::mutex> lock(this->Mutex);
  return this->WhyText;
}

void MediaOutput::Run()
{
  std::unique_lock<std::mutex> lock(this->Mutex);
  while (!this->Stopping && !this->EndedFlag)
  {
    const auto woken = [this] { return this->Stopping || !this->Queue.empty(); };
    if (const auto wake = this->NextWake(); wake != std::chrono::steady_clock::time_point::max())
    {
      this->Wake.wait_until(lock, wake, woken);
    }
    else
    {
      this->Wake.wait(lock, woken);
    }
    if (this->Stopping)
    {
      break;
    }
    if (this->Queue.empty())
    {
      // A retry is due (it starts at the next key frame), or a periodic key frame.
      this->Demand.KeyWanted[0] = true;
      this->RetryAt = {};
      this->LastKey = std::chrono::steady_clock::now(); // asked: not again before the interval
      continue;
    }
    const FramePtr unit = std::move(this->Queue.front());
    this->Queue.pop_front();
    lock.unlock();
    this->Take(unit);
    lock.lock();
  }
  this->Counters.Dropped.fetch_add(this->Queue.size());
  this->Queue.clear();
  lock.unlock();
  if (this->Muxer)
  {
    try
    {
      if (this->Pending)
      {
        this->WritePending(std::max<std::int64_t>(ipc::SteadyNowNs() - this->PendingNs, 1000000));
      }
      this->DeadlineNs = ipc::SteadyNowNs() + std::chrono::nanoseconds(kNetworkTimeout).count();
      this->Muxer->Finish();
      this->Counters.Bytes = this->BytesBefore + this->Muxer->Bytes();
    }
    catch (const std::exception& e)
    {
      if (!this->Abandon) // a network output is cut off on purpose
      {
        Say(this->Config_.Label + ": " + e.what());
      }
    }
    this->Muxer.reset();
  }
}

void MediaOutput::Take(const FramePtr& unit)
{
  if (!unit)
  {
    this->WaitForKey = true;
    this->Demand.KeyWanted[0] = true;
    return;
  }
  const auto now = std::chrono::steady_clock::now();
  if (unit->Kind == FrameKind::VideoKey)
  {
    this->LastKey = now;
  }
  else if (this->Config_.KeyInterval.count() && now - this->LastKey >= this->Config_.KeyInterval)
  {
    this->Demand.KeyWanted[0] = true;
    this->LastKey = now;
  }
  if (!this->Muxer && now < this->RetryAt)
  {
    this->Counters.Dropped.fetch_add(1); // a publication between attempts
    return;
  }
  if (this->WaitForKey && unit->Kind != FrameKind::VideoKey)
  {
    this->Counters.Dropped.fetch_add(this->Muxer ? 1 : 0); // before the first key, nothing is lost
    this->Demand.KeyWanted[0] = true;
    return;
  }
  try
  {
    if (!this->Muxer)
    {
      this->Open(*unit);
    }
    // Capture times only grow, but a key frame of a held picture may share its picture's.
    const std::int64_t at = std::max(PictureNs(*unit), this->Pending ? this->PendingNs + 1000000 : 0);
    if (this->Pending)
    {
      this->WritePending(at - this->PendingNs);
    }
    this->WaitForKey = false;
    this->Pending = unit;
    this->PendingNs = at;
    if (this->Live)
    {
      this->WritePending(0); // FLV and MPEG-TS keep no durations: a live stream waits for nothing
      this->Pending.reset();
    }
  }
  catch (const std::exception& e)
  {
    this->Fail(e.what());
  }
}

void MediaOutput::Open(const EncodedFrame& key)
{
  this->DeadlineNs = ipc::SteadyNowNs() + std::chrono::nanoseconds(kNetworkTimeout).count();
  this->Muxer = std::make_unique<VideoMuxer>(this->Config_.Url, key.Data, static_cast<int>(key.Width),
    static_cast<int>(key.Height), [this] { return this->Interrupted(); });
  this->StartNs = PictureNs(key);
  this->Pending.reset();
  this->Backoff = kFirstRetry;
  this->RetryAt = {};
  this->SetState(ipc::PublishStatus::Connected);
  if (this->Config_.Reconnect)
  {
    Say(this->Config_.Label + ": connected");
  }
}

void MediaOutput::WritePending(std::int64_t durationNs)
{
  const std::string& data = this->Pending->Data;
  // The margin: the fragment's and the file's last boxes (moof, mfra).
  if (this->Config_.MaxBytes && this->Muxer->BytesWithBuffered() + data.size() + 16384 > this->Config_.MaxBytes)
  {
    throw std::runtime_error("the --record-max-mib bound (" + std::to_string(this->Config_.MaxBytes >> 20) +
      " MiB) is reached");
  }
  const std::int64_t ptsUs = (this->PendingNs - this->StartNs) / 1000;
  this->DeadlineNs = ipc::SteadyNowNs() + std::chrono::nanoseconds(kNetworkTimeout).count();
  this->Muxer->Write(data, this->Pending->Kind == FrameKind::VideoKey, ptsUs, durationNs / 1000);
  this->Counters.Frames.fetch_add(1);
  this->Counters.Bytes = this->BytesBefore + this->Muxer->Bytes();
  this->Counters.Micros = ptsUs + durationNs / 1000;
}

void MediaOutput::Fail(const std::string& why)
{
  if (this->Muxer)
  {
    this->BytesBefore += this->Muxer->Bytes();
  }
  this->Pending.reset();
  this->WaitForKey = true;
  if (!this->Config_.Reconnect)
  {
    this->End(why);
    return;
  }
  this->Muxer.reset(); // its trailer is tried once more; a dead connection gives up at once
  this->Counters.Failures.fetch_add(1);
  this->RetryAt = std::chrono::steady_clock::now() + this->Backoff;
  Say(this->Config_.Label + " failed: " + why + "; retrying in " + std::to_string(this->Backoff.count()) + " s");
  this->Backoff = std::min(this->Backoff * 2, kLastRetry);
  {
    std::lock_guard<std::mutex> lock(this->Mutex);
    this->WhyText = why;
  }
  this->SetState(ipc::PublishStatus::Reconnecting);
}

void MediaOutput::End(const std::string& why)
{
  this->Muxer.reset(); // finishes what was written: it plays up to here
  {
    std::lock_guard<std::mutex> lock(this->Mutex);
    this->WhyText = why;
  }
  this->SetState(ipc::PublishStatus::Off);
  this->EndedFlag = true;
}

void MediaOutput::SetState(ipc::PublishStatus state)
{
  this->Counters.State = static_cast<int>(state);
}

std::chrono::steady_clock::time_point MediaOutput::NextWake() const
{
  if (!this->Muxer)
  {
    return this->RetryAt != std::chrono::steady_clock::time_point{} ? this->RetryAt
                                                                    : std::chrono::steady_clock::time_point::max();
  }
  return this->Config_.KeyInterval.count() ? this->LastKey + this->Config_.KeyInterval
                                           : std::chrono::steady_clock::time_point::max();
}

bool MediaOutput::Interrupted() const
{
  return this->Abandon || (this->Live && ipc::SteadyNowNs() > this->DeadlineNs);
}
} // namespace renderstream::server
