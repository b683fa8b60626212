/**
 * @class   vtkRenderStreamer
 * @brief   Streams a live, interactive render window to web browsers.
 *
 * vtkRenderStreamer attaches to a vtkRenderWindow (and its interactor, if any). When a render
 * of the window ends, it reads the finished image straight into a shared-memory slot (nothing
 * is read while nothing renders), and it delivers the browser's mouse, wheel, touch and key
 * events to the interactor, so every interactor style and 3D widget reacts as to a local
 * user. A separate `renderstream-server` process, spawned by Start(), encodes the frames
 * (JPEG, and H.264 for browsers that decode it) and serves them over HTTP/MJPEG/WebSocket, so
 * encoding and slow clients never stall rendering.
 *
 * @code
 * vtkNew<vtkRenderStreamer> streamer;
 * streamer->SetRenderWindow(renderWindow);
 * if (streamer->Start())
 * {
 *   std::cout << streamer->GetURL() << std::endl; // http://127.0.0.1:PORT/#token=TOKEN
 * }
 * @endcode
 *
 * Streaming is invisible to the host: with VTK's X11 interactor, browser input travels as X
 * events through the interactor's own event loop, so the streamer adds no timer that the
 * host's TimerEvent observers or the interactor style could see. A host without an event loop
 * (a QTimer, a pvbatch or notebook loop) turns UseEventLoop off and calls Tick() instead.
 * Stop() is also done by the destructor.
 */
#ifndef vtkRenderStreamer_h
#define vtkRenderStreamer_h

#include "RenderStreamDefaults.h" // for the defaults and limits
#include "RenderStreamModule.h"   // for export macro
#include "vtkObject.h"

#include <memory> // for std::unique_ptr
#include <string> // for std::string
#include <vector> // for std::vector

class vtkRenderWindow;
class vtkRenderWindowInteractor;

class RENDERSTREAM_EXPORT vtkRenderStreamer : public vtkObject
{
public:
  static vtkRenderStreamer* New();
  vtkTypeMacro(vtkRenderStreamer, vtkObject);
  void PrintSelf(ostream& os, vtkIndent indent) override;

  ///@{
  /**
   * The window to stream (required) and the interactor that receives browser input
   * (default: the window's interactor). Changing them while streaming re-attaches.
   */
  void SetRenderWindow(vtkRenderWindow* window);
  vtkRenderWindow* GetRenderWindow();
  void SetInteractor(vtkRenderWindowInteractor* interactor);
  vtkRenderWindowInteractor* GetInteractor();
  ///@}

  ///@{
  /** TCP port of the server; 0 (default) picks a free one. Read back with GetActualPort(). */
  vtkSetClampMacro(Port, int, 0, 65535);
  vtkGetMacro(Port, int);
  ///@}

  ///@{
  /** Address the server listens on. Default 127.0.0.1 (this machine only). */
  vtkSetStringMacro(BindAddress);
  vtkGetStringMacro(BindAddress);
  ///@}

  ///@{
  /**
   * H.264 encoder for browsers that take video: "auto" (default: a GPU's NVENC, else
   * OpenH264, else x264, whichever works here), "h264_nvenc", "openh264", "libx264", or
   * "none" (JPEG only). Passed to the server as --video-encoder; set before Start().
   */
  vtkSetStringMacro(VideoEncoder);
  vtkGetStringMacro(VideoEncoder);
  ///@}

  ///@{
  /** JPEG quality (1-100) while the user interacts; still frames use StillQuality. */
  vtkSetClampMacro(Quality, int, 1, 100);
  vtkGetMacro(Quality, int);
  vtkSetClampMacro(StillQuality, int, 1, 100);
  vtkGetMacro(StillQuality, int);
  ///@}

  ///@{
  /** When on, browsers can only watch: the server drops their input. Default off. */
  vtkSetMacro(ViewOnly, bool);
  vtkGetMacro(ViewOnly, bool);
  vtkBooleanMacro(ViewOnly, bool);
  ///@}

  ///@{
  /**
   * Who drives from the browsers: "one" (default: one full-link viewer at a time; control
   * passes to whoever starts interacting once the driver has been idle for 2 s, or when the
   * driver gives it) or "shared" (everyone's input at once). The person at the machine is
   * never blocked. Passed to the server as --control; set before Start().
   */
  vtkSetStringMacro(ControlMode);
  vtkGetStringMacro(ControlMode);
  ///@}

  ///@{
  /**
   * When on (default), browser input reaches the interactor through its own event loop
   * (interactor->Start()): as X events with VTK's X11 interactor, else from a repeating
   * interactor timer (which, unlike X events, the host's TimerEvent observers also see).
   * Turn it off when the host runs no event loop and calls Tick() itself (a QTimer, a
   * script loop).
   */
  vtkSetMacro(UseEventLoop, bool);
  vtkGetMacro(UseEventLoop, bool);
  vtkBooleanMacro(UseEventLoop, bool);
  ///@}

  ///@{
  /** Milliseconds between ticks of the fallback interactor timer (not X11). Default 16. */
  vtkSetClampMacro(TickInterval, int, 1, renderstream::defaults::kTickIntervalLimit);
  vtkGetMacro(TickInterval, int);
  ///@}

  ///@{
  /** Most simultaneous browser connections the server accepts. Default 32. */
  vtkSetClampMacro(MaxClients, int, 1, renderstream::defaults::kMaxClientsLimit);
  vtkGetMacro(MaxClients, int);
  ///@}

  ///@{
  /**
   * Largest frame the shared memory holds, in pixels. 0 (default) means the larger of the
   * window size and 1920x1080. Browser resize requests are clamped to it.
   */
  vtkSetClampMacro(MaxWidth, int, 0, renderstream::defaults::kMaxSide);
  vtkGetMacro(MaxWidth, int);
  vtkSetClampMacro(MaxHeight, int, 0, renderstream::defaults::kMaxSide);
  vtkGetMacro(MaxHeight, int);
  ///@}

  ///@{
  /**
   * Extra origins (scheme://host[:port], separated by spaces) whose pages may open the
   * WebSocket, besides the server's own address: e.g. "https://viz.example.org" when a TLS
   * reverse proxy serves the viewer there. Default: none.
   */
  vtkSetStringMacro(AllowedOrigins);
  vtkGetStringMacro(AllowedOrigins);
  ///@}

  ///@{
  /**
   * The address people open the viewer at when it is not this machine's own: a TLS reverse
   * proxy's or a tunnel's, e.g. "https://viz.example.org/renderstream/". GetURL() and the
   * server's sign-in page then use it, and its origin may open the WebSocket (as with
   * AllowedOrigins). Default: the RENDERSTREAM_PUBLIC_URL environment variable, else none.
   */
  vtkSetStringMacro(PublicURL);
  vtkGetStringMacro(PublicURL);
  ///@}

  ///@{
  /**
   * Path of the renderstream-server executable. Default: the RENDERSTREAM_SERVER environment
   * variable, else the one installed beside this library, else PATH.
   */
  vtkSetStringMacro(ServerExecutable);
  vtkGetStringMacro(ServerExecutable);
  ///@}

  ///@{
  /**
   * Records the stream (the full-size H.264 video, as an MP4 that a crash leaves readable) to
   * this file. Set before Start(), it is recorded from the first frame; set while streaming,
   * a recording starts at once, and nullptr or "" stops it. A leading "~" stands for $HOME; a
   * relative path is relative to the current directory (which the server shares). The server
   * never overwrites: when the file exists, it records to PATH-2.mp4, -3, ... instead (its
   * `recording to` line names the real file). A recording goes on across a server restart
   * (into such a new file) unless the server had ended it (GetMediaMessage() says why).
   * Setting the same path again changes nothing: set "" first for a new recording. Needs
   * H.264: Start() refuses a RecordFile with VideoEncoder "none". Default: none.
   */
  void SetRecordFile(const char* path);
  vtkGetStringMacro(RecordFile);
  ///@}

  ///@{
  /**
   * The folder for recordings started from a viewer page (passed as --record-dir unless it is
   * the default; the server creates it when it first records there), also where the ParaView
   * dock records to. A leading "~" is replaced by $HOME here, so GetRecordDirectory() gives
   * the real path; nullptr or "" restores the default, ~/Videos/RenderStream. Set before
   * Start().
   */
  void SetRecordDirectory(const char* directory);
  vtkGetStringMacro(RecordDirectory);
  ///@}

  ///@{
  /**
   * Bound on the total size of the recordings, in MiB (passed as --record-max-mib unless it
   * is the default): a recording stops, saying why in GetMediaMessage(), before it would cross
   * it (a page's recording counts the other MP4 files of RecordDirectory too). Default 4096.
   * Set before Start().
   */
  vtkSetClampMacro(RecordMaxMiB, int, 1, renderstream::defaults::kRecordMaxMiBLimit);
  vtkGetMacro(RecordMaxMiB, int);
  ///@}

  ///@{
  /**
   * A media server to publish the stream to while streaming (rtmp://, rtmps://, srt:// or
   * rtsp://, e.g. rtmp://live.example.org/app/STREAM-KEY): the server connects when it starts
   * and reconnects by itself when the connection drops; GetPublishState() says how it goes.
   * Passed to the server in its environment (RENDERSTREAM_PUBLISH_URL), never on its command
   * line, so a stream key does not show in `ps`. A URL the server cannot use fails Start(),
   * saying why. Needs H.264, as recording does. Default: the RENDERSTREAM_PUBLISH_URL
   * environment variable, else none. Set before Start().
   */
  vtkSetStringMacro(PublishURL);
  vtkGetStringMacro(PublishURL);
  ///@}

  /**
   * Creates the shared memory, spawns the server and waits until it serves.
   * Returns false, after a vtkErrorMacro saying why, if it could not.
   */
  bool Start();

  /** Stops the server and releases the shared memory. Safe to call twice. */
  void Stop();

  /** True between a successful Start() and Stop() while the server process lives. */
  bool IsStreaming();

  /**
   * Times a server that died while streaming (a crash, the OOM killer, kill -9) was replaced
   * by a new one on the same port with the same tokens, so that open pages reconnect by
   * themselves and the printed links stay valid. After kMaxServerDeaths deaths within
   * kServerDeathWindowSeconds streaming stops with an error instead. Reset by Start().
   */
  vtkGetMacro(ServerRestarts, int);
  static constexpr int kMaxServerDeaths = 5;
  static constexpr int kServerDeathWindowSeconds = 60;

  /**
   * Injects pending browser input (whose renders are captured as they end) and notices a
   * server that died. For hosts without an event loop (UseEventLoop off); call it from your
   * loop. With UseEventLoop on it only checks the server.
   */
  void Tick();

  /**
   * The link to share while streaming, else an empty string: PublicURL (or, without one,
   * http://HOST:PORT/) followed by #token=TOKEN. Browsers never send a fragment to a server
   * or proxy, so no access log holds the token: the page trades it for a cookie.
   */
  const char* GetURL();
  /** The same link on this machine, http://HOST:PORT/#token=TOKEN (equal to GetURL() without
   * a PublicURL). */
  const char* GetLocalURL();
  /** GetURL()'s watch-only twin (its token cannot send input), else an empty string. */
  const char* GetViewOnlyURL();
  /** The port the server listens on while streaming, else 0. */
  int GetActualPort();
  /** The display name of the browser viewer who drives now; empty when nobody does (or
   * ControlMode "shared", or not streaming). */
  const char* GetDriverName();
  /** The last error message, empty when the last Start() succeeded. */
  const char* GetLastError();

  ///@{
  /** Live figures: connected browsers, frames captured and frames the server sent. */
  int GetViewerCount();
  vtkGetMacro(FramesCaptured, vtkTypeUInt64);
  vtkTypeUInt64 GetFramesSent();
  vtkTypeUInt64 GetEventsInjected();
  ///@}

  /** Milliseconds the last capture (readback into shared memory) took. */
  vtkGetMacro(LastCaptureMilliseconds, double);

  ///@{
  /**
   * The recording and the publisher, as the server last reported them (a few times a second;
   * while not streaming: not recording, "off", 0). IsRecording() is true while a recording is
   * being written, whoever started it (this API, a viewer page); GetRecordedSeconds() and
   * GetRecordedBytes() give the video time and size of the current recording, or of the last
   * one once it stopped. GetPublishState() is "off", "connecting", "connected" or
   * "reconnecting" (the last attempt failed; the next one waits a little), and
   * GetPublishedBytes() what the publisher has sent. GetMediaMessage() is the server's last
   * word on either: why a recording stopped or could not start, why publishing fails; empty
   * when all is well.
   */
  bool IsRecording();
  double GetRecordedSeconds();
  vtkTypeUInt64 GetRecordedBytes();
  const char* GetPublishState();
  vtkTypeUInt64 GetPublishedBytes();
  const char* GetMediaMessage();
  ///@}

protected:
  vtkRenderStreamer();
  ~vtkRenderStreamer() override;

  int Port = 0;
  char* BindAddress = nullptr;
  char* VideoEncoder = nullptr;
  int Quality = renderstream::defaults::kQuality;
  int StillQuality = renderstream::defaults::kStillQuality;
  bool ViewOnly = false;
  int TickInterval = renderstream::defaults::kTickInterval;
  bool UseEventLoop = true;
  int MaxClients = renderstream::defaults::kMaxClients;
  int MaxWidth = 0;
  int MaxHeight = 0;
  char* ServerExecutable = nullptr;
  char* AllowedOrigins = nullptr;
  char* PublicURL = nullptr;
  char* ControlMode = nullptr;
  char* RecordFile = nullptr;
  char* RecordDirectory = nullptr;
  int RecordMaxMiB = renderstream::defaults::kRecordMaxMiB;
  char* PublishURL = nullptr;
  vtkTypeUInt64 FramesCaptured = 0;
  vtkTypeUInt64 EventsInjected = 0;
  double LastCaptureMilliseconds = 0.0;
  int ServerRestarts = 0;

private:
  vtkRenderStreamer(const vtkRenderStreamer&) = delete;
  void operator=(const vtkRenderStreamer&) = delete;

  void Attach();
  void Detach();
  void Capture();
  void OnRender(vtkObject*, unsigned long, void*);
  void Retarget(vtkRenderWindow* window, vtkRenderWindowInteractor* interactor);
  void Fail(const std::string& message);
  /// Creates the segment, spawns the server on `port` (with the tokens of the one it replaces,
  /// if any: Internals' Token and ViewToken) and attaches; false after Fail(`failure` + why).
  bool Launch(int port, const std::string& failure);
  /// The server's command line for `port` and this object's settings.
  std::vector<std::string> ServerArguments(int port) const;
  /// What the server gets through its environment, never its command line (which every user
  /// of the machine can read): the tokens of the server it replaces, the publishing URL.
  std::vector<std::string> ServerEnvironment() const;
  /// The server died under us: replaces it (Launch on the same port and tokens) or gives up.
  void OnServerDied();

  struct Internals;
  std::unique_ptr<Internals> Internal;
};

#endif
