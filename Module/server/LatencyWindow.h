// Where a frame's time goes on the server's side of its trip, as medians over the last second:
// render end (the capture) -> encoded -> its write started -> acknowledged by the viewer. The
// viewer page adds its own spans (decode, on screen) to show the whole breakdown. Not
// thread-safe: one per session (io thread); ServerStats guards its own.
#ifndef renderstream_server_LatencyWindow_h
#define renderstream_server_LatencyWindow_h

#include <algorithm>
#include <chrono>
#include <deque>
#include <vector>

namespace renderstream::server
{
class LatencyWindow
{
public:
  using Clock = std::chrono::steady_clock;
  static constexpr std::chrono::seconds kSpan{ 1 };
  static constexpr std::size_t kMaxEntries = 512; // a second at far more frames than any link carries

  struct Spans
  {
    double EncodeMs = 0;  // render end -> encoded
    double QueueMs = 0;   // encoded -> its write started (waiting behind other frames)
    double NetworkMs = 0; // write started -> acknowledged (the trip, and the ack's few bytes back)
  };

  void Add(Clock::time_point now, const Spans& spans)
  {
    this->Entries.push_back({ now, spans });
    while (this->Entries.size() > kMaxEntries || now - this->Entries.front().At > kSpan)
    {
      this->Entries.pop_front();
    }
  }

  /// The medians of the spans added within kSpan of `now`; zeros if none was.
  Spans Median(Clock::time_point now) const
  {
    std::vector<double> values[3];
    for (const Entry& e : this->Entries)
    {
      if (now - e.At <= kSpan)
      {
        values[0].push_back(e.Values.EncodeMs);
        values[1].push_back(e.Values.QueueMs);
        values[2].push_back(e.Values.NetworkMs);
      }
    }
    const auto median = [](std::vector<double>& v) {
      if (v.empty())
      {
        return 0.0;
      }
      std::nth_element(v.begin(), v.begin() + v.size() / 2, v.end());
      return v[v.size() / 2];
    };
    return { median(values[0]), median(values[1]), median(values[2]) };
  }

private:
  struct Entry
  {
    Clock::time_point At;
    Spans Values;
  };
  std::deque<Entry> Entries;
};
} // namespace renderstream::server

#endif
