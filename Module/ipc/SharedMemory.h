// RAII owner of one POSIX shared-memory mapping (shm_open + mmap).
#ifndef renderstream_ipc_SharedMemory_h
#define renderstream_ipc_SharedMemory_h

#include <cstddef>
#include <string>

namespace renderstream::ipc
{
class SharedMemory
{
public:
  /// Creates a new segment (fails if the name exists) of `size` zeroed bytes.
  /// Throws std::runtime_error naming the segment and the system error.
  static SharedMemory Create(const std::string& name, std::size_t size);
  /// Maps an existing segment whole. Throws std::runtime_error.
  static SharedMemory Open(const std::string& name);

  SharedMemory() = default;
  SharedMemory(SharedMemory&& other) noexcept;
  SharedMemory& operator=(SharedMemory&& other) noexcept;
  SharedMemory(const SharedMemory&) = delete;
  SharedMemory& operator=(const SharedMemory&) = delete;
  ~SharedMemory(); // unmaps; unlinks too when this mapping owns the name

  /// Removes the name from /dev/shm now (mappings stay valid). Idempotent.
  void Unlink();

  void* Data() const { return this->Address; }
  std::size_t Size() const { return this->Length; }
  const std::string& Name() const { return this->SegmentName; }

private:
  SharedMemory(std::string name, void* address, std::size_t length, bool ownsName);
  void Release() noexcept;

  std::string SegmentName;
  void* Address = nullptr;
  std::size_t Length = 0;
  bool OwnsName = false;
};
} // namespace renderstream::ipc

#endif
