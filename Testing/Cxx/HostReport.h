// The one line HostApp prints when it exits, and its parser: one format for both sides.
#ifndef RenderStream_HostReport_h
#define RenderStream_HostReport_h

#include <cstdio>
#include <string>

namespace renderstream::testing
{
constexpr const char* kHostReportFormat =
  "HostApp: callbacks=%ld renders=%ld captured=%ld seconds=%lf animated_seconds=%lf "
  "degrees_per_second=%lf";

struct HostReport
{
  bool Ok = false;
  long Callbacks = 0; // the app's timer callbacks
  long Renders = 0;   // the window's EndEvents
  long Captured = 0;  // frames the streamer captured (0 without streaming)
  double Seconds = 0; // how long interactor->Start() ran
  double AnimatedSeconds = 0; // from the first to the last render of --render-on-timer
  double DegreesPerSecond = 0; // camera turn while the left button was held

  std::string Format() const
  {
    char line[256];
    std::snprintf(line, sizeof(line), kHostReportFormat, this->Callbacks, this->Renders,
      this->Captured, this->Seconds, this->AnimatedSeconds, this->DegreesPerSecond);
    return line;
  }
  static HostReport Parse(const std::string& line)
  {
    HostReport r;
    r.Ok = std::sscanf(line.c_str(), kHostReportFormat, &r.Callbacks, &r.Renders, &r.Captured,
             &r.Seconds, &r.AnimatedSeconds, &r.DegreesPerSecond) == 6;
    return r;
  }
};
} // namespace renderstream::testing

#endif
