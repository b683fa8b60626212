// Recording to MP4 and publishing to media servers (issue 27), end to end with real processes:
// the StreamCone example and its server, real shared memory and sockets, a real nginx with the
// rtmp module (MediaServer.h), and Debian's ffprobe / ffmpeg reading what came out.
#include "AppProcess.h"
#include "LinkViewer.h"
#include "MediaServer.h"
#include "TestClient.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <cmath>
#include <iostream>
#include <thread>

namespace
{
using namespace renderstream::testing;
using namespace std::chrono_literals;

// The harness itself, without RenderStream: ffmpeg's own H.264 goes through nginx and comes
// back over RTMP and HLS, and survives nginx being killed and restarted. When this fails, the
// machine (nginx, its rtmp module, ffmpeg) is at fault, not the server.
TEST(MediaServer, RoundTripsFfmpegsOwnStreamAndComesBackAfterAKill)
{
  MediaServer nginx;
  {
    TestPatternPublisher publisher(nginx.RtmpUrl("pattern"), 320, 240);
    const MediaInfo rtmp = nginx.ReadRtmp("pattern", 2);
    std::cout << "[ figures  ] RTMP read-back of ffmpeg's pattern: " << rtmp.Describe() << "\n";
    ASSERT_TRUE(rtmp.Ok) << rtmp.Error << FileText(publisher.Log) << nginx.Log();
    EXPECT_EQ(rtmp.Codec, "h264");
    EXPECT_EQ(rtmp.Width, 320);
    EXPECT_EQ(rtmp.Height, 240);
    EXPECT_GT(rtmp.Frames, 20) << "about 2 s at 30 fps";
    const MediaInfo hls = nginx.ReadHls("pattern", 15s);
    std::cout << "[ figures  ] HLS of ffmpeg's pattern: " << hls.Describe() << "\n";
    EXPECT_TRUE(hls.Ok) << hls.Error;
    EXPECT_EQ(hls.Codec, "h264");
    EXPECT_EQ(hls.Width, 320);
  }
  nginx.Kill();
  EXPECT_FALSE(PortAccepts(nginx.RtmpPort)) << "killed: nobody listens";
  nginx.Start();
  TestPatternPublisher again(nginx.RtmpUrl("pattern"), 320, 240);
  const MediaInfo after = nginx.ReadRtmp("pattern", 1);
  EXPECT_TRUE(after.Ok) << after.Error << FileText(again.Log);
  EXPECT_EQ(after.Codec, "h264");
}
} // namespace
