// A server's recording and publication (MediaOutput each): which run and who started them
// (the command line, the application through the segment, a full-link viewer's page), the
// size bound of recordings, the files of --record-dir, and what /stats, the segment and the
// viewers are told about them. One recording at a time: a new request replaces the running
// one, except that a page may neither replace nor stop what the command line or the
// application started. Push() runs on the watcher thread, everything else on the io thread.
// No Beast.
#ifndef renderstream_server_MediaOutputs_h
#define renderstream_server_MediaOutputs_h

#include "EncodedFrame.h"
#include "MediaOutput.h"
#include "ServerOptions.h"
#include "ServerStats.h"
#include "StreamSegment.h"

#include <nlohmann/json_fwd.hpp>

#include <chrono>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

namespace renderstream::server
{
class MediaOutputs
{
public:
  enum class Origin
  {
    CommandLine,
    App,
    Page,
  };
  struct RecordingFile
  {
    std::string Name;
    std::uint64_t Bytes = 0;
    std::int64_t Modified = 0; // seconds since the epoch
  };

  /// `haveVideo`: an H.264 encoder works here (without one nothing can be recorded).
  MediaOutputs(const ServerOptions& options, bool haveVideo, LevelDemand& demand, ServerStats& stats,
    ipc::StreamSegment& segment);
  ~MediaOutputs();

  /// Hands level 0's video unit of `set`, if any, to the outputs (watcher thread).
  void Push(const FrameSet& set);

  /// Starts --record and --publish (throws std::runtime_error for the user if --record cannot).
  void Start();
  /// Starts a recording to `path` ("" = a new file in --record-dir); "" or why not.
  std::string StartRecording(Origin by, std::string path = {});
  /// Stops the recording; "" or why not (a page stops only a page's recording).
  std::string StopRecording(Origin by);
  /// A few times a second: the application's requests, outputs that ended, the segment's
  /// figures. Returns the viewers' status message when it changed or a second passed while
  /// recording, else "".
  std::string Poll();
  /// Finishes both (server shutdown).
  void StopAll();

  /// The {"type":"recording",...} message for viewers (also in their hello).
  nlohmann::json Status() const;
  std::string StatusMessage() const;
  /// /stats's "recording" and "publish" objects; the file's path only for the owner.
  void AddTo(nlohmann::json& stats, bool owner) const;

  /// The recordings in --record-dir, newest first.
  std::vector<RecordingFile> Files() const;
  /// The path of the recording `name` in --record-dir; "" if none (or not a plain file name).
  std::string PathOf(std::string_view name) const;

private:
  void Finish(const std::string& why);
  /// Message, said: stderr, the segment, the viewers.
  void Tell();
  static const char* OriginName(Origin by);

  const ServerOptions& Options;
  const bool HaveVideo;
  LevelDemand& Demand;
  ServerStats& Stats;
  ipc::StreamSegment& Segment;

  mutable std::mutex OutputsMutex; // the two pointers, read by Push() on the watcher thread
  std::shared_ptr<MediaOutput> Recorder;
  std::shared_ptr<MediaOutput> Publisher;

  // io thread
  Origin RecordedBy = Origin::CommandLine;
  std::string RecordPath; // the current or last recording's
  std::string Message;    // the last word on recording
  std::uint32_t SeenRequest = 0; // the version of the application's request last acted on
  int LastPublishState = 0;
  bool Changed = false;
  std::chrono::steady_clock::time_point LastStatus{};
};
} // namespace renderstream::server

#endif
