#include "SharedMemory.h"

#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <stdexcept>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>
#include <utility>

namespace renderstream::ipc
{
namespace
{
[[noreturn]] void Fail(const std::string& what, const std::string& name, int err)
{
  throw std::runtime_error(what + " shared memory '" + name + "': " + std::strerror(err));
}

// Closes the descriptor on every path; the mapping keeps the segment alive.
struct FileDescriptor
{
  int Fd;
  ~FileDescriptor()
  {
    if (this->Fd >= 0)
    {
      ::close(this->Fd);
    }
  }
};

void* Map(int fd, std::size_t size, const std::string& name)
{
  void* address = ::mmap(nullptr, size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
  if (address == MAP_FAILED)
  {
    Fail("cannot map", name, errno);
  }
  return address;
}
} // namespace

SharedMemory SharedMemory::Create(const std::string& name, std::size_t size)
{
  FileDescriptor fd{ ::shm_open(name.c_str(), O_CREAT | O_EXCL | O_RDWR, 0600) };
  if (fd.Fd < 0)
  {
    Fail("cannot create", name, errno);
  }
  if (::ftruncate(fd.Fd, static_cast<off_t>(size)) != 0)
  {
    const int err = errno;
    ::shm_unlink(name.c_str());
    Fail("cannot size", name, err);
  }
  // Reserve the pages now: on a full /dev/shm a sparse segment would map fine and then kill
  // the first process to touch a missing page with SIGBUS.
  if (const int err = ::posix_fallocate(fd.Fd, 0, static_cast<off_t>(size)); err != 0)
  {
    ::shm_unlink(name.c_str());
    throw std::runtime_error("cannot reserve " + std::to_string((size + (1 << 20) - 1) >> 20) +
      " MiB of shared memory for '" + name + "': " + std::strerror(err) + " (see df -h /dev/shm)");
  }
  try
  {
    return SharedMemory(name, Map(fd.Fd, size, name), size, true);
  }
  catch (...)
  {
    ::shm_unlink(name.c_str());
    throw;
  }
}

SharedMemory SharedMemory::Open(const std::string& name)
{
  FileDescriptor fd{ ::shm_open(name.c_str(), O_RDWR, 0) };
  if (fd.Fd < 0)
  {
    Fail("cannot open", name, errno);
  }
  struct stat st = {};
  if (::fstat(fd.Fd, &st) != 0)
  {
    Fail("cannot stat", name, errno);
  }
  if (st.st_size <= 0)
  {
    throw std::runtime_error("shared memory '" + name + "' is empty");
  }
  const auto size = static_cast<std::size_t>(st.st_size);
  return SharedMemory(name, Map(fd.Fd, size, name), size, false);
}

SharedMemory::SharedMemory(std::string name, void* address, std::size_t length, bool ownsName)
  : SegmentName(std::move(name))
  , Address(address)
  , Length(length)
  , OwnsName(ownsName)
{
}

SharedMemory::SharedMemory(SharedMemory&& other) noexcept
  : SegmentName(std::move(other.SegmentName))
  , Address(std::exchange(other.Address, nullptr))
  , Length(std::exchange(other.Length, 0))
  , OwnsName(std::exchange(other.OwnsName, false))
{
}

SharedMemory& SharedMemory::operator=(SharedMemory&& other) noexcept
{
  if (this != &other)
  {
    this->Release();
    this->SegmentName = std::move(other.SegmentName);
    this->Address = std::exchange(other.Address, nullptr);
    this->Length = std::exchange(other.Length, 0);
    this->OwnsName = std::exchange(other.OwnsName, false);
  }
  return *this;
}

SharedMemory::~SharedMemory()
{
  this->Release();
}

void SharedMemory::Unlink()
{
  if (!this->SegmentName.empty())
  {
    ::shm_unlink(this->SegmentName.c_str()); // ENOENT: already gone, which is the goal
  }
  this->OwnsName = false;
}

void SharedMemory::Release() noexcept
{
  if (this->OwnsName)
  {
    this->Unlink();
  }
  if (this->Address)
  {
    ::munmap(this->Address, this->Length);
    this->Address = nullptr;
  }
}
} // namespace renderstream::ipc
