#include "StreamSegment.h"

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <csignal>
#include <ctime>
#include <random>
#include <stdexcept>
#include <thread>
#include <sys/random.h>
#include <unistd.h>

namespace renderstream::ipc
{
namespace
{
constexpr std::size_t PageAlign(std::size_t n)
{
  return (n + kPageSize - 1) / kPageSize * kPageSize;
}

std::string NewSegmentName()
{
  std::uint64_t random = 0;
  if (::getrandom(&random, sizeof(random), 0) != sizeof(random))
  {
    random = std::random_device{}();
  }
  char name[64];
  std::snprintf(name, sizeof(name), "/renderstream-%d-%016llx", static_cast<int>(::getpid()),
    static_cast<unsigned long long>(random));
  return name;
}

std::string Describe(const std::string& name)
{
  return "shared memory '" + name + "'";
}
} // namespace

std::unique_ptr<StreamSegment> StreamSegment::Create(std::uint32_t maxWidth, std::uint32_t maxHeight)
{
  if (maxWidth == 0 || maxHeight == 0 || maxWidth > kMaxSide || maxHeight > kMaxSide)
  {
    throw std::runtime_error("frame size limit " + std::to_string(maxWidth) + "x" +
      std::to_string(maxHeight) + " is out of range (1.." + std::to_string(kMaxSide) + ")");
  }
  const std::size_t slotBytes = PageAlign(std::size_t(maxWidth) * maxHeight * 4);
  const std::size_t eventsOffset = kPageSize;
  const std::size_t slotsOffset = eventsOffset + PageAlign(kEventCapacity * sizeof(InputEvent));
  const std::size_t total = slotsOffset + kSlotCount * slotBytes;

  SharedMemory memory = SharedMemory::Create(NewSegmentName(), total);
  auto* head = new (memory.Data()) SegmentHeader{}; // the mapping is zeroed by ftruncate
  head->Version = kLayoutVersion;
  head->HeaderSize = sizeof(SegmentHeader);
  head->TotalSize = total;
  head->MaxWidth = maxWidth;
  head->MaxHeight = maxHeight;
  head->SlotCount = kSlotCount;
  head->EventCapacity = kEventCapacity;
  head->SlotBytes = slotBytes;
  head->EventsOffset = eventsOffset;
  head->SlotsOffset = slotsOffset;
  head->ProducerPid = static_cast<std::int32_t>(::getpid());
  head->ProducerSlot = 0;
  head->Middle = 1;
  head->ConsumerSlot = 2;
  if (::sem_init(&head->FrameReady, /*pshared=*/1, 0) != 0 ||
    ::sem_init(&head->InputReady, /*pshared=*/1, 0) != 0)
  {
    throw std::runtime_error("cannot create the semaphores in " + Describe(memory.Name()));
  }
  // Magic last: a concurrent Open() never sees a half-initialized header as valid.
  std::atomic_thread_fence(std::memory_order_release);
  head->Magic = kMagic;
  const Geometry shape{ maxWidth, maxHeight, slotBytes, eventsOffset, slotsOffset };
  return std::unique_ptr<StreamSegment>(new StreamSegment(std::move(memory), shape, true));
}

std::unique_ptr<StreamSegment> StreamSegment::Open(const std::string& name)
{
  SharedMemory memory = SharedMemory::Open(name);
  const auto fail = [&](const std::string& why) {
    throw std::runtime_error(Describe(name) + " is not a RenderStream segment: " + why);
  };
  if (memory.Size() < kPageSize)
  {
    fail("it is only " + std::to_string(memory.Size()) + " bytes");
  }
  const auto* head = static_cast<const SegmentHeader*>(memory.Data());
  if (head->Magic != kMagic)
  {
    fail("bad magic number");
  }
  if (head->Version != kLayoutVersion)
  {
    fail("layout version " + std::to_string(head->Version) + ", this program speaks version " +
      std::to_string(kLayoutVersion));
  }
  // Each field is read once, into our own memory, and every sum is checked as a difference
  // against what is left, so that no value can make the arithmetic wrap.
  const Geometry shape{ head->MaxWidth, head->MaxHeight, static_cast<std::size_t>(head->SlotBytes),
    static_cast<std::size_t>(head->EventsOffset), static_cast<std::size_t>(head->SlotsOffset) };
  const std::size_t size = memory.Size();
  constexpr std::size_t kRingBytes = std::size_t(kEventCapacity) * sizeof(InputEvent);
  if (shape.MaxWidth == 0 || shape.MaxHeight == 0 || shape.MaxWidth > kMaxSide || shape.MaxHeight > kMaxSide)
  {
    fail("its frame size limit " + std::to_string(shape.MaxWidth) + "x" + std::to_string(shape.MaxHeight) +
      " is out of range (1.." + std::to_string(kMaxSide) + ")");
  }
  const std::size_t frameBytes = std::size_t(shape.MaxWidth) * shape.MaxHeight * 4; // < 2^31
  if (head->HeaderSize != sizeof(SegmentHeader) || head->TotalSize != size ||
    head->SlotCount != kSlotCount || head->EventCapacity != kEventCapacity ||
    shape.EventsOffset < kPageSize || shape.EventsOffset % kPageSize != 0 || shape.EventsOffset > size ||
    kRingBytes > size - shape.EventsOffset || shape.SlotsOffset < shape.EventsOffset + kRingBytes ||
    shape.SlotsOffset % kPageSize != 0 || shape.SlotsOffset > size || shape.SlotBytes < frameBytes ||
    shape.SlotBytes > (size - shape.SlotsOffset) / kSlotCount)
  {
    fail("its size fields disagree with its " + std::to_string(size) + " bytes");
  }
  auto segment = std::unique_ptr<StreamSegment>(new StreamSegment(std::move(memory), shape, false));
  segment->Head->ConsumerPid = static_cast<std::int32_t>(::getpid());
  return segment;
}

StreamSegment::StreamSegment(SharedMemory memory, const Geometry& shape, bool creator)
  : Memory(std::move(memory))
  , Head(static_cast<SegmentHeader*>(this->Memory.Data()))
  , Shape(shape)
  , Ring(this->Head->Events,
      reinterpret_cast<InputEvent*>(static_cast<std::uint8_t*>(this->Memory.Data()) + shape.EventsOffset),
      kEventCapacity)
  , Creator(creator)
{
}

StreamSegment::~StreamSegment()
{
  if (this->Creator)
  {
    this->Head->Shutdown.store(1, std::memory_order_release);
    ::sem_post(&this->Head->FrameReady); // wake a sleeping consumer so it sees Shutdown
  }
  // SharedMemory unlinks the name for the creator.
}

bool ProcessAlive(std::int32_t pid)
{
  if (pid <= 0 || (::kill(pid, 0) != 0 && errno != EPERM))
  {
    return false;
  }
  // A zombie (dead, not yet reaped by its parent) still answers kill(pid, 0): read its state.
  char path[64];
  std::snprintf(path, sizeof(path), "/proc/%d/stat", static_cast<int>(pid));
  if (FILE* file = std::fopen(path, "r"))
  {
    char state = 0;
    // Format: "pid (comm) S ..."; comm may hold spaces and parentheses: find the last ')'.
    char line[512] = {};
    const std::size_t n = std::fread(line, 1, sizeof(line) - 1, file);
    std::fclose(file);
    line[n] = '\0';
    if (const char* close = std::strrchr(line, ')'))
    {
      state = close[1] == ' ' ? close[2] : 0;
    }
    if (state == 'Z' || state == 'X')
    {
      return false;
    }
  }
  return true;
}

namespace
{
// Copies `text` into a fixed field, cut to fit, always NUL terminated.
template <std::size_t N>
void CopyField(char (&field)[N], const std::string& text)
{
  const std::size_t n = std::min(N - 1, text.size());
  std::memcpy(field, text.data(), n);
  field[n] = '\0';
}

// SharedText's writer: cut at a UTF-8 character boundary (a continuation byte is 10xxxxxx)
// to fit with its NUL.
template <std::size_t N>
void WriteText(SharedText<N>& shared, std::string_view text)
{
  std::size_t length = std::min(text.size(), N - 1);
  while (length > 0 && length < text.size() && (static_cast<unsigned char>(text[length]) & 0xC0) == 0x80)
  {
    --length;
  }
  const std::uint32_t begin = shared.Seq.load(std::memory_order_relaxed) | 1u; // odd: being written
  shared.Seq.store(begin, std::memory_order_relaxed);
  std::atomic_thread_fence(std::memory_order_release);
  for (std::size_t i = 0; i < N; ++i)
  {
    shared.Bytes[i].store(i < length ? text[i] : '\0', std::memory_order_relaxed);
  }
  shared.Seq.store(begin + 1, std::memory_order_release);
}

// SharedText's reader: "" (version 0) if the writer never finished (it died mid-write).
template <std::size_t N>
StreamSegment::VersionedText ReadText(const SharedText<N>& shared)
{
  for (int attempt = 0; attempt < 1000; ++attempt)
  {
    const std::uint32_t before = shared.Seq.load(std::memory_order_acquire);
    if (before & 1u)
    {
      std::this_thread::yield(); // the other side is writing it
      continue;
    }
    std::string text;
    for (std::size_t i = 0; i < N - 1; ++i)
    {
      const char c = shared.Bytes[i].load(std::memory_order_relaxed);
      if (c == '\0')
      {
        break;
      }
      text += c;
    }
    std::atomic_thread_fence(std::memory_order_acquire);
    if (shared.Seq.load(std::memory_order_relaxed) == before)
    {
      return { std::move(text), before };
    }
  }
  return {};
}

// A fixed field as written by the other process, which may have left out the NUL.
template <std::size_t N>
std::string ReadField(const char (&field)[N])
{
  return std::string(field, ::strnlen(field, N));
}
} // namespace

void StreamSegment::PublishServing(std::uint16_t port, const std::string& token, const std::string& viewToken,
  const std::string& pageUrl, const std::string& localUrl)
{
  CopyField(this->Head->PageUrl, pageUrl);
  CopyField(this->Head->LocalUrl, localUrl);
  this->Head->Port = port;
  CopyField(this->Head->Token, token);
  CopyField(this->Head->ViewToken, viewToken);
  this->Head->Error[0] = '\0';
  this->Head->ServerState.store(static_cast<std::uint32_t>(ServerStatus::Serving), std::memory_order_release);
}

void StreamSegment::PublishFailure(const std::string& error)
{
  CopyField(this->Head->Error, error);
  this->Head->ServerState.store(static_cast<std::uint32_t>(ServerStatus::Failed), std::memory_order_release);
}

void StreamSegment::SetDriverName(std::string_view name)
{
  WriteText(this->Head->DriverName, name);
}

std::string StreamSegment::DriverName() const
{
  return ReadText(this->Head->DriverName).Text;
}

void StreamSegment::SetRecordFile(std::string_view path)
{
  WriteText(this->Head->RecordFile, path);
}

StreamSegment::VersionedText StreamSegment::RecordFile() const
{
  return ReadText(this->Head->RecordFile);
}

void StreamSegment::SetRecording(bool active, std::uint64_t bytes, std::int64_t ms)
{
  this->Head->RecordedBytes.store(bytes, std::memory_order_relaxed);
  this->Head->RecordedMs.store(ms, std::memory_order_relaxed);
  this->Head->Recording.store(active ? 1 : 0, std::memory_order_relaxed);
}

void StreamSegment::SetPublishing(PublishStatus status, std::uint64_t bytes)
{
  this->Head->PublishedBytes.store(bytes, std::memory_order_relaxed);
  this->Head->Publishing.store(static_cast<std::uint32_t>(status), std::memory_order_relaxed);
}

void StreamSegment::SetMediaMessage(std::string_view message)
{
  WriteText(this->Head->MediaMessage, message);
}

StreamSegment::MediaState StreamSegment::Media() const
{
  MediaState state;
  state.Recording = this->Head->Recording.load(std::memory_order_relaxed) != 0;
  state.RecordedBytes = this->Head->RecordedBytes.load(std::memory_order_relaxed);
  state.RecordedMs = this->Head->RecordedMs.load(std::memory_order_relaxed);
  const std::uint32_t publishing = this->Head->Publishing.load(std::memory_order_relaxed);
  state.Publishing = publishing <= static_cast<std::uint32_t>(PublishStatus::Reconnecting)
    ? static_cast<PublishStatus>(publishing) : PublishStatus::Off;
  state.PublishedBytes = this->Head->PublishedBytes.load(std::memory_order_relaxed);
  state.Message = ReadText(this->Head->MediaMessage).Text;
  return state;
}

StreamSegment::ServerReady StreamSegment::WaitForServer(
  std::chrono::steady_clock::time_point deadline, const std::function<bool()>& running) const
{
  ServerReady ready;
  while ((ready.Status = static_cast<ServerStatus>(this->Head->ServerState.load(std::memory_order_acquire))) ==
      ServerStatus::Starting &&
    running() && std::chrono::steady_clock::now() < deadline)
  {
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
  }
  if (ready.Status == ServerStatus::Serving)
  {
    ready.Port = static_cast<std::uint16_t>(this->Head->Port);
    ready.Token = ReadField(this->Head->Token);
    ready.ViewToken = ReadField(this->Head->ViewToken);
    ready.PageUrl = ReadField(this->Head->PageUrl);
    ready.LocalUrl = ReadField(this->Head->LocalUrl);
  }
  else if (ready.Status == ServerStatus::Failed)
  {
    ready.Error = ReadField(this->Head->Error);
  }
  return ready;
}

bool StreamSegment::PeerAlive() const
{
  return ProcessAlive(this->Creator ? this->Head->ConsumerPid.load() : this->Head->ProducerPid.load());
}

std::uint8_t* StreamSegment::Slot(std::uint32_t index) const
{
  if (index >= kSlotCount)
  {
    return nullptr;
  }
  return static_cast<std::uint8_t*>(this->Memory.Data()) + this->Shape.SlotsOffset +
    std::size_t(index) * this->Shape.SlotBytes;
}

std::uint8_t* StreamSegment::WritableSlot() const
{
  return this->Slot(this->Head->ProducerSlot.load(std::memory_order_relaxed));
}

std::uint64_t StreamSegment::Publish(FrameInfo info)
{
  const std::uint32_t back = this->Head->ProducerSlot.load(std::memory_order_relaxed);
  if (back >= kSlotCount)
  {
    return 0; // the index word was overwritten (a corrupt peer): nothing is published
  }
  info.Sequence = this->Head->PublishedFrames.load(std::memory_order_relaxed) + 1;
  this->Head->Slots[back] = info;
  const std::uint32_t previous = this->Head->Middle.exchange(back | kFreshBit, std::memory_order_acq_rel);
  this->Head->ProducerSlot.store(previous & ~kFreshBit, std::memory_order_relaxed);
  this->Head->PublishedFrames.store(info.Sequence, std::memory_order_release);
  if (!(previous & kFreshBit))
  {
    ::sem_post(&this->Head->FrameReady); // one wake-up per frame the consumer has to pick up
  }
  return info.Sequence;
}

namespace
{
// Sleeps on `semaphore` until `ready()` holds or `timeout` passes. A post can be stale (work
// picked up without sleeping leaves its post unconsumed), so a wake-up alone ends nothing.
template <typename Ready>
bool SleepUntil(sem_t& semaphore, std::chrono::milliseconds timeout, Ready ready)
{
  timespec deadline = {};
  ::clock_gettime(CLOCK_MONOTONIC, &deadline);
  const auto ns = deadline.tv_nsec + std::chrono::nanoseconds(timeout).count();
  deadline.tv_sec += static_cast<time_t>(ns / 1000000000);
  deadline.tv_nsec = static_cast<long>(ns % 1000000000);
  while (!ready())
  {
    if (::sem_clockwait(&semaphore, CLOCK_MONOTONIC, &deadline) != 0 && errno != EINTR)
    {
      break; // ETIMEDOUT
    }
  }
  return ready();
}
} // namespace

bool StreamSegment::WaitForFrame(std::chrono::milliseconds timeout)
{
  const auto fresh = [this] {
    return (this->Head->Middle.load(std::memory_order_acquire) & kFreshBit) != 0;
  };
  SleepUntil(this->Head->FrameReady, timeout,
    [&] { return fresh() || this->Head->Shutdown.load(std::memory_order_acquire) != 0; });
  return fresh();
}

void StreamSegment::NotifyInput()
{
  ::sem_post(&this->Head->InputReady);
}

bool StreamSegment::WaitForInput(std::chrono::milliseconds timeout, const std::atomic<bool>& stop)
{
  return SleepUntil(this->Head->InputReady, timeout,
    [&] { return !this->Ring.Empty() || stop.load(std::memory_order_acquire); });
}

bool StreamSegment::AcquireLatest()
{
  if (!(this->Head->Middle.load(std::memory_order_acquire) & kFreshBit))
  {
    return false;
  }
  const std::uint32_t front = this->Head->ConsumerSlot.load(std::memory_order_relaxed);
  const std::uint32_t previous = this->Head->Middle.exchange(front, std::memory_order_acq_rel);
  this->Head->ConsumerSlot.store(previous & ~kFreshBit, std::memory_order_relaxed);
  return true;
}

FrameView StreamSegment::Current() const
{
  FrameView view;
  const std::uint32_t front = this->Head->ConsumerSlot.load(std::memory_order_relaxed);
  if (front >= kSlotCount)
  {
    return view; // the index word was overwritten: no frame, rather than foreign memory
  }
  view.Info = this->Head->Slots[front]; // a copy: the checks below hold for what is used
  const bool known = view.Info.Format == PixelFormat::RGB || view.Info.Format == PixelFormat::RGBA ||
    view.Info.Format == PixelFormat::BGRA;
  if (view.Info.Sequence != 0 && known && view.Info.Width <= this->Shape.MaxWidth &&
    view.Info.Height <= this->Shape.MaxHeight && view.Bytes() <= this->Shape.SlotBytes)
  {
    view.Pixels = this->Slot(front);
  }
  return view;
}
} // namespace renderstream::ipc
