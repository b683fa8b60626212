// Layout of the shared-memory segment between the VTK side (producer of frames, consumer of
// input events) and renderstream-server (the opposite). Plain C++17: no VTK, no Boost.
//
//   [SegmentHeader, 4 KiB][InputEvent ring][slot 0][slot 1][slot 2]   (every part page aligned)
//
// Both processes map the same bytes, so every type here is standard-layout, fixed-size and
// pinned by static_asserts; a change to any of them must bump kLayoutVersion.
#ifndef renderstream_ipc_Layout_h
#define renderstream_ipc_Layout_h

#include <atomic>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <type_traits>
#include <semaphore.h>

#include "RenderStreamDefaults.h"

namespace renderstream::ipc
{
constexpr std::uint64_t kMagic = 0x314D41455254'5352ULL; // "RSTREAM1" little endian
constexpr std::uint32_t kLayoutVersion = 5; // 2: InputReady, 3: AppAliveNs and the URLs, 4: DriverName, 5: media
// The driver's display name in UTF-8: 32 characters of up to 4 bytes, a NUL, padding.
constexpr std::size_t kDriverNameBytes = 132;
constexpr std::size_t kRecordFileBytes = 1024; // a recording's path, with its NUL
constexpr std::size_t kMediaMessageBytes = 256; // the last word on recording or publishing
constexpr std::uint32_t kSlotCount = 3; // triple buffer: producer never waits
constexpr std::uint32_t kEventCapacity = 1024; // power of two
constexpr std::size_t kPageSize = 4096;
constexpr std::size_t kCacheLine = 64;
constexpr std::uint32_t kFreshBit = 4; // in SegmentHeader::Middle
constexpr std::uint32_t kMaxSide = defaults::kMaxSide; // largest frame width or height

/// The clock of every *TimeNs field below: steady, in nanoseconds, the same in both processes.
inline std::int64_t SteadyNowNs()
{
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
    std::chrono::steady_clock::now().time_since_epoch())
    .count();
}

enum class PixelFormat : std::uint32_t
{
  RGB = 0,
  RGBA = 1,
  BGRA = 2, // OpenGL's native framebuffer order: the fastest readback
};

constexpr std::uint32_t BytesPerPixel(PixelFormat f)
{
  return f == PixelFormat::RGB ? 3 : 4;
}

/// Describes the image held by one slot.
struct FrameInfo
{
  std::uint32_t Width = 0;
  std::uint32_t Height = 0;
  PixelFormat Format = PixelFormat::BGRA;
  std::uint32_t BottomUp = 1;        // rows stored bottom-up, as glReadPixels returns them
  std::uint64_t Sequence = 0;        // 1, 2, 3... per published frame
  std::int64_t CaptureTimeNs = 0;    // steady clock at capture
  std::int64_t LastInputTimeNs = 0;  // steady clock of the newest input event this frame shows
  std::uint32_t Checksum = 0;        // optional, 0 = not computed (tests fill it)
  std::uint32_t Reserved = 0;
};
static_assert(sizeof(FrameInfo) == 48);

enum class EventType : std::uint8_t
{
  None = 0,
  PointerMove,
  PointerDown,
  PointerUp,
  Wheel,
  KeyDown,
  KeyUp,
  Resize,
  Enter,
  Leave,
  ResetCamera,     // viewer page action
  InteractionStyle // viewer page action: Key[0] = 't' trackball, 'j' joystick
};

enum Modifier : std::uint8_t
{
  ModCtrl = 1,
  ModShift = 2,
  ModAlt = 4,
  ModMeta = 8,
};

/// One browser input event, validated by the server. Coordinates are normalized to 0..1 from
/// the top-left of the displayed image; the render side converts them to VTK pixels.
struct InputEvent
{
  EventType Type = EventType::None;
  std::uint8_t Button = 0;      // 0 left, 1 middle, 2 right (DOM numbering)
  std::uint8_t Modifiers = 0;   // Modifier bits
  std::uint8_t RepeatCount = 0; // 1 = double click
  float X = 0.f;
  float Y = 0.f;
  float Delta = 0.f;            // wheel: < 0 forward (zoom in), > 0 backward
  std::uint32_t Width = 0;      // resize, in device pixels
  std::uint32_t Height = 0;
  std::int64_t TimeNs = 0;      // steady clock when the server received it
  char Key[16] = {};            // DOM KeyboardEvent.key, NUL terminated
  char Code[16] = {};           // DOM KeyboardEvent.code, NUL terminated
};
static_assert(sizeof(InputEvent) == 64);

/// Single-producer (server) / single-consumer (render side) ring of InputEvent.
struct EventRingState
{
  alignas(kCacheLine) std::atomic<std::uint64_t> WriteIndex{ 0 };
  alignas(kCacheLine) std::atomic<std::uint64_t> ReadIndex{ 0 };
  alignas(kCacheLine) std::atomic<std::uint64_t> Overflows{ 0 };
};

/// A text one process rewrites while the other reads it, under a sequence lock: the writer
/// makes Seq odd, writes the bytes, makes it even; a reader retries until it read the same even
/// number before and after (every byte is an atomic: no torn UB). NUL terminated.
template <std::size_t N>
struct SharedText
{
  std::atomic<std::uint32_t> Seq;
  std::atomic<char> Bytes[N];
};

/// What the server's publisher (--publish) is doing.
enum class PublishStatus : std::uint32_t
{
  Off = 0,
  Connecting = 1,
  Connected = 2,
  Reconnecting = 3, // it failed; the next attempt waits its backoff
};

enum class ServerStatus : std::uint32_t
{
  Starting = 0,
  Serving = 1,
  Failed = 2,
};

/// The first page of the segment.
struct SegmentHeader
{
  // Identity, written once by the creator and verified by every Open().
  std::uint64_t Magic;
  std::uint32_t Version;
  std::uint32_t HeaderSize;
  std::uint64_t TotalSize;
  std::uint32_t MaxWidth;
  std::uint32_t MaxHeight;
  std::uint32_t SlotCount;
  std::uint32_t EventCapacity;
  std::uint64_t SlotBytes;
  std::uint64_t EventsOffset;
  std::uint64_t SlotsOffset;

  // Liveness: each side checks the other's pid to notice a crash.
  alignas(kCacheLine) std::atomic<std::int32_t> ProducerPid;
  std::atomic<std::int32_t> ConsumerPid;
  std::atomic<std::uint32_t> Shutdown; // set by the producer when it stops on purpose

  // Triple buffer. Packed word: bits 0-1 middle slot index, bit 2 "middle holds a fresh
  // frame". The producer owns one slot, the consumer one, and they swap theirs with the
  // middle one atomically: nobody ever waits and no frame is ever torn.
  alignas(kCacheLine) std::atomic<std::uint32_t> Middle;
  std::atomic<std::uint32_t> ProducerSlot; // written by the producer only
  std::atomic<std::uint32_t> ConsumerSlot; // written by the consumer only
  std::atomic<std::uint64_t> PublishedFrames;
  sem_t FrameReady; // posted on publish; the consumer sleeps on it (zero CPU when idle)
  FrameInfo Slots[kSlotCount];

  // Server -> render side. The server writes Port, the tokens (or Error) and then sets
  // ServerState with a release store; the streamer waits for it to build its URL.
  alignas(kCacheLine) std::atomic<std::uint32_t> ServerState; // ServerStatus
  std::uint32_t Port;
  char Token[defaults::kTokenMaxLength + 1];     // full-access token, NUL terminated
  char ViewToken[defaults::kTokenMaxLength + 1]; // view-only token
  char Error[256];    // why the server could not start, for the app's error message
  char PageUrl[1088]; // where people open the page (--public-url or its own), NUL terminated
  char LocalUrl[64];  // its own address, as this machine reaches it
  // Live figures the app may show (viewer count and sent frames), best effort.
  std::atomic<std::uint32_t> Viewers;
  std::atomic<std::uint64_t> FramesEncoded;
  std::atomic<std::uint64_t> FramesSent;
  // Render side -> server: steady ns of the application's last sign of life (a tick, a
  // render, an input event applied). The server tells viewers "busy" when input waits on it.
  std::atomic<std::int64_t> AppAliveNs;
  // Server -> render side: who drives (--control one), "" = nobody.
  SharedText<kDriverNameBytes> DriverName;

  alignas(kCacheLine) EventRingState Events;
  sem_t InputReady; // posted by the server after each push; the render side may sleep on it

  // Render side -> server: the file to record to now, "" = none (the server looks a few
  // times a second; a rewrite of the same path starts a new recording).
  SharedText<kRecordFileBytes> RecordFile;
  // Server -> render side: the recording and the publisher, best effort.
  std::atomic<std::uint32_t> Recording;      // 1 while a recording is being written
  std::atomic<std::uint64_t> RecordedBytes;  // the current (or last) recording's size
  std::atomic<std::int64_t> RecordedMs;      // and the video time it holds
  std::atomic<std::uint32_t> Publishing;     // PublishStatus
  std::atomic<std::uint64_t> PublishedBytes;
  SharedText<kMediaMessageBytes> MediaMessage; // why a recording stopped, a publisher's failure
};
static_assert(sizeof(SegmentHeader) <= kPageSize, "header must fit its page");
static_assert(std::atomic<std::uint64_t>::is_always_lock_free);
static_assert(std::atomic<std::uint32_t>::is_always_lock_free);
static_assert(std::is_standard_layout_v<SegmentHeader>);
static_assert((kEventCapacity & (kEventCapacity - 1)) == 0, "the ring masks its indices");
static_assert(sizeof(EventRingState) == 3 * kCacheLine, "each index on its own cache line");
// The layout, pinned: both processes must agree byte for byte, so moving a field without
// bumping kLayoutVersion fails here rather than in the field.
static_assert(offsetof(SegmentHeader, Magic) == 0);
static_assert(offsetof(SegmentHeader, Version) == 8);
static_assert(offsetof(SegmentHeader, ProducerPid) == 64);
static_assert(offsetof(SegmentHeader, Middle) == 128);
static_assert(offsetof(SegmentHeader, Slots) == 184);
static_assert(offsetof(SegmentHeader, ServerState) == 384);
static_assert(offsetof(SegmentHeader, Token) == 392);
static_assert(offsetof(SegmentHeader, Error) == 488);
static_assert(offsetof(SegmentHeader, PageUrl) == 744);
static_assert(offsetof(SegmentHeader, AppAliveNs) == 1920);
static_assert(offsetof(SegmentHeader, DriverName) == 1928);
static_assert(offsetof(SegmentHeader, Events) == 2112);
static_assert(offsetof(SegmentHeader, InputReady) == 2304);
static_assert(offsetof(SegmentHeader, RecordFile) == 2336);
static_assert(offsetof(SegmentHeader, Recording) == 3364);
static_assert(offsetof(SegmentHeader, MediaMessage) == 3400);
static_assert(sizeof(std::atomic<char>) == 1 && std::atomic<char>::is_always_lock_free);
static_assert(sizeof(SegmentHeader) == 3712);

} // namespace renderstream::ipc

#endif
