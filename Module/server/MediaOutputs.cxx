#include "MediaOutputs.h"

#include "MediaText.h"

#include <nlohmann/json.hpp>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <ctime>
#include <filesystem>
#include <stdexcept>

namespace renderstream::server
{
namespace fs = std::filesystem;

namespace
{
std::string Figures(const ServerStats::MediaCounters& counters)
{
  char text[64];
  std::snprintf(text, sizeof(text), "%.1f s, %.1f MiB", counters.Micros.load() / 1e6,
    static_cast<double>(counters.Bytes.load()) / (1 << 20));
  return text;
}

// Creates `path` as a new empty file, or, if something is there, the first free of
// "stem-2.mp4", "stem-3.mp4"...: a recording never overwrites another. Returns the path
// taken; throws with the system's reason ("Read-only file system", "Permission denied").
std::string CreateNewFile(const std::string& path)
{
  const fs::path wanted(path);
  for (int n = 1; n < 1000; ++n)
  {
    fs::path candidate = wanted;
    if (n > 1)
    {
      candidate.replace_filename(wanted.stem().string() + "-" + std::to_string(n) + wanted.extension().string());
    }
    const int fd = ::open(candidate.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
    if (fd >= 0)
    {
      ::close(fd);
      return candidate.string();
    }
    if (errno != EEXIST)
    {
      throw std::runtime_error(std::strerror(errno));
    }
  }
  throw std::runtime_error("999 files of that name exist already");
}

// A page recording's name: its start in local time.
std::string NewRecordingName()
{
  const std::time_t now = std::time(nullptr);
  std::tm local{};
  ::localtime_r(&now, &local);
  char name[64];
  std::strftime(name, sizeof(name), "%Y-%m-%d_%H-%M-%S.mp4", &local);
  return name;
}
} // namespace

MediaOutputs::MediaOutputs(const ServerOptions& options, bool haveVideo, LevelDemand& demand,
  ServerStats& stats, ipc::StreamSegment& segment)
  : Options(options)
  , HaveVideo(haveVideo)
  , Demand(demand)
  , Stats(stats)
  , Segment(segment)
{
}

MediaOutputs::~MediaOutputs()
{
  this->StopAll();
}

void MediaOutputs::Push(const FrameSet& set)
{
  const FramePtr& unit = set.Video[0];
  if (!unit)
  {
    return;
  }
  std::lock_guard<std::mutex> lock(this->OutputsMutex);
  for (const auto& output : { this->Recorder, this->Publisher })
  {
    if (output)
    {
      output->Push(unit);
    }
  }
}

void MediaOutputs::Start()
{
  if (!this->Options.RecordFile.empty())
  {
    if (const std::string why = this->StartRecording(Origin::CommandLine, this->Options.RecordFile); !why.empty())
    {
      throw std::runtime_error(why);
    }
  }
  if (!this->Options.PublishUrl.empty())
  {
    MediaOutput::Settings settings;
    settings.Url = this->Options.PublishUrl;
    settings.Reconnect = true;
    settings.KeyInterval = std::chrono::seconds(2); // what streaming platforms ask for
    settings.Label = "publishing to " + ipc::UrlOrigin(settings.Url) + "/...";
    auto publisher = std::make_shared<MediaOutput>(std::move(settings), this->Demand, this->Stats.Publishing);
    std::lock_guard<std::mutex> lock(this->OutputsMutex);
    this->Publisher = std::move(publisher);
  }
  this->Poll(); // a recording the application asked for before this server started
}

std::string MediaOutputs::StartRecording(Origin by, std::string path)
{
  if (!this->HaveVideo)
  {
    return "cannot record: no H.264 encoder works here (see the server's first lines)";
  }
  if (by == Origin::Page && this->Recorder && this->RecordedBy != Origin::Page)
  {
    return std::string("a recording started by the ") + OriginName(this->RecordedBy) + " is running";
  }
  std::uint64_t budget = this->Options.RecordMaxBytes;
  std::error_code ec;
  if (path.empty())
  {
    fs::create_directories(this->Options.RecordDir, ec);
    if (ec)
    {
      return "cannot record to " + this->Options.RecordDir + ": " + ec.message();
    }
    std::uint64_t taken = 0;
    for (const RecordingFile& file : this->Files())
    {
      taken += file.Bytes;
    }
    if (taken + (1 << 20) >= budget)
    {
      return "cannot record: the recordings in " + this->Options.RecordDir + " take " +
        std::to_string(taken >> 20) + " MiB of the " + std::to_string(budget >> 20) +
        " MiB --record-max-mib allows; remove some";
    }
    budget -= taken;
    path = (fs::path(this->Options.RecordDir) / NewRecordingName()).string();
  }
  this->StopRecording(Origin::App);
  this->RecordedBy = by;
  try
  {
    path = CreateNewFile(path);
  }
  catch (const std::exception& e)
  {
    this->RecordPath = path;
    this->Message = "cannot record to " + path + ": " + e.what();
    this->Tell();
    return this->Message;
  }
  this->Stats.Recording.Bytes = 0;
  this->Stats.Recording.Frames = 0;
  this->Stats.Recording.Micros = 0;
  this->Stats.Recording.Dropped = 0;
  this->RecordPath = path;
  this->Message.clear();
  MediaOutput::Settings settings;
  settings.Url = path;
  settings.MaxBytes = budget;
  settings.KeyInterval = std::chrono::seconds(10);
  settings.Label = "recording " + path;
  auto recorder = std::make_shared<MediaOutput>(std::move(settings), this->Demand, this->Stats.Recording);
  {
    std::lock_guard<std::mutex> lock(this->OutputsMutex);
    this->Recorder = std::move(recorder);
  }
  Say("recording to " + path);
  this->Segment.SetMediaMessage("recording to " + path);
  this->Changed = true;
  return {};
}

std::string MediaOutputs::StopRecording(Origin by)
{
  if (!this->Recorder)
  {
    return by == Origin::Page ? "nothing is being recorded" : "";
  }
  if (by == Origin::Page && this->RecordedBy != Origin::Page)
  {
    return std::string("the ") + OriginName(this->RecordedBy) + " started this recording; it stops it";
  }
  this->Finish({});
  return {};
}

void MediaOutputs::Finish(const std::string& why)
{
  std::shared_ptr<MediaOutput> recorder;
  {
    std::lock_guard<std::mutex> lock(this->OutputsMutex);
    recorder = std::move(this->Recorder);
  }
  recorder->Stop(); // writes the last unit and the MP4's end
  std::error_code ec;
  if (this->Stats.Recording.Frames == 0 && fs::file_size(this->RecordPath, ec) == 0 && !ec)
  {
    fs::remove(this->RecordPath, ec); // nothing rendered: no empty file left behind
  }
  if (why.empty())
  {
    this->Message = "recording stopped: " + this->RecordPath + " (" + Figures(this->Stats.Recording) + ")";
  }
  else if (this->Stats.Recording.Frames == 0)
  {
    this->Message = "cannot record to " + this->RecordPath + ": " + why;
  }
  else
  {
    this->Message = "recording stopped: " + this->RecordPath + " (" + Figures(this->Stats.Recording) + "): " + why;
  }
  this->Tell();
}

void MediaOutputs::Tell()
{
  Say(this->Message);
  this->Segment.SetMediaMessage(this->Message);
  this->Changed = true;
}

std::string MediaOutputs::Poll()
{
  const ipc::StreamSegment::VersionedText request = this->Segment.RecordFile();
  // Version 0: never written, or a read that kept meeting the writer mid-write (then the next
  // look sees it).
  if (request.Version != 0 && request.Version != this->SeenRequest)
  {
    this->SeenRequest = request.Version;
    request.Text.empty() ? this->StopRecording(Origin::App) : this->StartRecording(Origin::App, request.Text);
  }
  if (this->Recorder && this->Recorder->Ended())
  {
    this->Finish(this->Recorder->Why());
  }
  if (const int state = this->Stats.Publishing.State; state != this->LastPublishState && this->Publisher)
  {
    this->LastPublishState = state;
    const bool failed = state == static_cast<int>(ipc::PublishStatus::Reconnecting);
    this->Segment.SetMediaMessage(this->Publisher->Config().Label + (failed ? " failed: " + this->Publisher->Why() : ""));
    this->Changed = true;
  }
  const bool recording = this->Recorder != nullptr;
  this->Segment.SetRecording(recording, this->Stats.Recording.Bytes, this->Stats.Recording.Micros / 1000);
  this->Segment.SetPublishing(static_cast<ipc::PublishStatus>(this->Stats.Publishing.State.load()),
    this->Stats.Publishing.Bytes);
  const auto now = std::chrono::steady_clock::now();
  if (!this->Changed && !(recording && now - this->LastStatus >= std::chrono::seconds(1)))
  {
    return {};
  }
  this->Changed = false;
  this->LastStatus = now;
  return this->StatusMessage();
}

void MediaOutputs::StopAll()
{
  if (this->Recorder)
  {
    this->Finish({});
  }
  std::shared_ptr<MediaOutput> publisher;
  {
    std::lock_guard<std::mutex> lock(this->OutputsMutex);
    publisher = std::move(this->Publisher);
  }
  if (publisher)
  {
    publisher->Stop();
  }
}

nlohmann::json MediaOutputs::Status() const
{
  // Viewers see the file's name, not where the owner keeps it.
  std::string message = this->Message;
  const std::string name = fs::path(this->RecordPath).filename().string();
  if (const auto at = message.find(this->RecordPath); !this->RecordPath.empty() && at != std::string::npos)
  {
    message.replace(at, this->RecordPath.size(), name);
  }
  return { { "type", "recording" }, { "active", this->Recorder != nullptr },
    { "seconds", std::round(this->Stats.Recording.Micros / 1e5) / 10 },
    { "bytes", this->Stats.Recording.Bytes.load() },
    { "name", name }, { "by", OriginName(this->RecordedBy) }, { "message", message },
    { "publish", ipc::PublishStatusName(static_cast<ipc::PublishStatus>(this->Stats.Publishing.State.load())) } };
}

std::string MediaOutputs::StatusMessage() const
{
  return this->Status().dump();
}

void MediaOutputs::AddTo(nlohmann::json& stats, bool owner) const
{
  nlohmann::json& recording = stats["recording"];
  recording["by"] = OriginName(this->RecordedBy);
  recording["file"] = owner ? this->RecordPath : fs::path(this->RecordPath).filename().string();
  recording["message"] = this->Message;
  nlohmann::json& publish = stats["publish"];
  publish["url"] = ipc::UrlOrigin(this->Options.PublishUrl);
  publish["state"] = ipc::PublishStatusName(static_cast<ipc::PublishStatus>(this->Stats.Publishing.State.load()));
  const bool failing = this->Stats.Publishing.State == static_cast<int>(ipc::PublishStatus::Reconnecting);
  publish["why"] = this->Publisher && failing ? this->Publisher->Why() : "";
}

std::vector<MediaOutputs::RecordingFile> MediaOutputs::Files() const
{
  std::vector<RecordingFile> files;
  std::error_code ec;
  for (const fs::directory_entry& entry : fs::directory_iterator(this->Options.RecordDir, ec))
  {
    struct stat info{};
    if (entry.path().extension() == ".mp4" && ::stat(entry.path().c_str(), &info) == 0 && S_ISREG(info.st_mode))
    {
      files.push_back({ entry.path().filename().string(), static_cast<std::uint64_t>(info.st_size), info.st_mtime });
    }
  }
  std::sort(files.begin(), files.end(), [](const RecordingFile& a, const RecordingFile& b) {
    return a.Modified != b.Modified ? a.Modified > b.Modified : a.Name > b.Name;
  });
  return files;
}

std::string MediaOutputs::PathOf(std::string_view name) const
{
  const bool plain = name.size() > 4 && name.size() < 256 && name[0] != '.' &&
    name.substr(name.size() - 4) == ".mp4" &&
    std::all_of(name.begin(), name.end(), [](char c) {
      return std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_' || c == '.';
    });
  if (!plain)
  {
    return {};
  }
  const fs::path path = fs::path(this->Options.RecordDir) / std::string(name);
  std::error_code ec;
  return fs::is_regular_file(path, ec) ? path.string() : std::string();
}

const char* MediaOutputs::OriginName(Origin by)
{
  switch (by)
  {
    case Origin::App: return "app";
    case Origin::Page: return "page";
    default: return "command line";
  }
}
} // namespace renderstream::server
