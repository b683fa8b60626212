// H.264: the encoders (every backend that works here, decoded by libavcodec) and the video
// stream of the real server on /ws?codec=h264 (tags, key frames for new, resuming and failing
// viewers), next to the JPEG clients it must leave unchanged.
#include "FrameHandoff.h"
#include "H264Encoder.h"
#include "JpegEncoder.h"
#include "QualityMatcher.h"
#include "ServerProcess.h"
#include "TestClient.h"
#include "VideoDecoder.h"
#include "VideoStreams.h"
#include "YuvConverter.h"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <array>
#include <cmath>
#include <random>

using namespace renderstream::testing;
using namespace renderstream::server;
using namespace std::chrono_literals;

namespace
{
constexpr std::uint32_t kW = 160;
constexpr std::uint32_t kH = 120;

// A smooth, moving picture like a rendered scene (gradients, one soft disc), frame `t`.
Rgb Scene(int x, int y, int w, int h, int t)
{
  const double cx = w * (0.3 + 0.02 * t), cy = h * 0.5, r = h * 0.25;
  const double d = std::hypot(x - cx, y - cy);
  const double disc = std::clamp((r - d) / 3.0, 0.0, 1.0);
  const auto mix = [&](double a, double b) { return static_cast<std::uint8_t>(a + (b - a) * disc); };
  return { mix(40 + 150.0 * x / w, 230), mix(60 + 120.0 * y / h, 180), mix(110, 60) };
}

struct Picture
{
  std::vector<std::uint8_t> Pixels; // BGRA bottom-up, as the module publishes them
  renderstream::ipc::FrameView View;
};
Picture MakeScene(int w, int h, int t)
{
  Picture picture;
  picture.Pixels.resize(std::size_t(w) * h * 4);
  for (int row = 0; row < h; ++row)
  {
    for (int x = 0; x < w; ++x)
    {
      const Rgb c = Scene(x, h - 1 - row, w, h, t);
      std::uint8_t* p = &picture.Pixels[(std::size_t(row) * w + x) * 4];
      p[0] = c.B, p[1] = c.G, p[2] = c.R, p[3] = 255;
    }
  }
  picture.View.Info.Width = static_cast<std::uint32_t>(w);
  picture.View.Info.Height = static_cast<std::uint32_t>(h);
  picture.View.Info.Sequence = static_cast<std::uint64_t>(t) + 1; // YuvConverter knows frames by it
  picture.View.Pixels = picture.Pixels.data();
  return picture;
}

std::vector<std::string> WorkingBackends()
{
  std::vector<std::string> working;
  for (const auto& name : H264Encoder::Backends())
  {
    std::string why;
    if (!H264Encoder::Choose(name, why).empty())
    {
      working.push_back(name);
    }
  }
  return working;
}

/// Reads binary messages until one with `tag` arrives (at most `limit` messages and 3 s); its
/// payload.
bool ReadTagged(WsClient& ws, char tag, std::string& payload, int limit = 50)
{
  std::string message;
  for (int i = 0; i < limit && ws.ReadFrameFor(message, 3s); ++i)
  {
    if (!message.empty() && message[0] == tag)
    {
      payload = message.substr(1);
      return true;
    }
  }
  return false;
}

nlohmann::json ReadHello(WsClient& ws)
{
  std::string data;
  bool text = false;
  if (!ws.Read(data, text) || !text)
  {
    return {};
  }
  return nlohmann::json::parse(data, nullptr, false);
}

// The test pattern's saturated colour edges lose some chroma to 4:2:0 (JPEG's 4:2:0 too).
constexpr double kPatternPsnr = 32;

auto PatternAt(std::uint64_t seq)
{
  return [seq](int x, int y) { return PatternColor(x, y, kW, kH, seq); };
}
} // namespace

// Full-range BT.601 of (r, g, b) in double precision, rounded: what every converted sample must be.
std::array<int, 3> ExactYuv(double r, double g, double b)
{
  const auto round = [](double v) { return static_cast<int>(std::clamp(std::lround(v), 0L, 255L)); };
  return { round(0.299 * r + 0.587 * g + 0.114 * b), round(128 - 0.168736 * r - 0.331264 * g + 0.5 * b),
    round(128 + 0.5 * r - 0.418688 * g - 0.081312 * b) };
}

TEST(YuvConverter, EverySampleIsTheExactConversionForEveryFormatOrderAndSize)
{
  // Random pixels with the corners of the colour cube among them (pure red and blue are the
  // samples that round to 256); odd sizes exercise the last column and row of chroma.
  std::mt19937 random(7);
  for (const auto format : { renderstream::ipc::PixelFormat::BGRA, renderstream::ipc::PixelFormat::RGBA, renderstream::ipc::PixelFormat::RGB })
  {
    for (const bool bottomUp : { true, false })
    {
      for (const auto& [w, h] : { std::pair{ 64, 48 }, std::pair{ 37, 21 }, std::pair{ 1, 1 } })
      {
        SCOPED_TRACE(std::to_string(int(format)) + (bottomUp ? " bottom-up " : " top-down ") + std::to_string(w) + "x" + std::to_string(h));
        const int channels = format == renderstream::ipc::PixelFormat::RGB ? 3 : 4;
        std::vector<std::uint8_t> pixels(std::size_t(w) * h * channels);
        for (std::size_t i = 0; i < pixels.size(); ++i)
        {
          pixels[i] = random() % 5 == 0 ? (random() % 2) * 255 : random() % 256;
        }
        // Displayed (top-down) pixel (x, y) as R, G, B.
        const auto at = [&](int x, int y) { return &pixels[(std::size_t(bottomUp ? h - 1 - y : y) * w + x) * channels]; };
        const bool bgra = format == renderstream::ipc::PixelFormat::BGRA;
        const auto rgb = [&](int x, int y) {
          const std::uint8_t* p = at(x, y);
          return bgra ? std::array<double, 3>{ double(p[2]), double(p[1]), double(p[0]) }
                      : std::array<double, 3>{ double(p[0]), double(p[1]), double(p[2]) };
        };
        for (int y = 0; y < std::min(h, 2); ++y) // a pure red block, then a pure blue one
        {
          for (int x = 0; x < std::min(w, 4); ++x)
          {
            std::uint8_t* p = at(x, y);
            const bool red = x < 2;
            p[0] = (red != bgra) * 255, p[1] = 0, p[2] = (red == bgra) * 255;
          }
        }
        renderstream::ipc::FrameView view;
        view.Info.Width = static_cast<std::uint32_t>(w);
        view.Info.Height = static_cast<std::uint32_t>(h);
        view.Info.Format = format;
        view.Info.BottomUp = bottomUp;
        view.Info.Sequence = 1;
        view.Pixels = pixels.data();
        YuvConverter converter;
        const YuvView yuv = converter.Convert(view, 1);
        ASSERT_EQ(yuv.Width, w);
        ASSERT_EQ(yuv.Height, h);
        int worst = 0;
        for (int y = 0; y < h; ++y)
        {
          for (int x = 0; x < w; ++x)
          {
            const auto [r, g, b] = rgb(x, y);
            worst = std::max(worst, std::abs(yuv.Planes[0][std::size_t(y) * yuv.Strides[0] + x] - ExactYuv(r, g, b)[0]));
          }
        }
        for (int y = 0; y < (h + 1) / 2; ++y)
        {
          for (int x = 0; x < (w + 1) / 2; ++x)
          {
            std::array<double, 3> mean{};
            int n = 0;
            for (int dy = 0; dy < 2 && 2 * y + dy < h; ++dy)
            {
              for (int dx = 0; dx < 2 && 2 * x + dx < w; ++dx, ++n)
              {
                const auto p = rgb(2 * x + dx, 2 * y + dy);
                for (int c = 0; c < 3; ++c)
                {
                  mean[c] += p[c];
                }
              }
            }
            const auto exact = ExactYuv(mean[0] / n, mean[1] / n, mean[2] / n);
            worst = std::max(worst, std::abs(yuv.Planes[1][std::size_t(y) * yuv.Strides[1] + x] - exact[1]));
            worst = std::max(worst, std::abs(yuv.Planes[2][std::size_t(y) * yuv.Strides[2] + x] - exact[2]));
          }
        }
        EXPECT_LE(worst, 1) << "off by more than the rounding of the result";
        // Asked again for the same frame: the same planes, not a second conversion.
        EXPECT_EQ(converter.Convert(view, 1).Planes[0], yuv.Planes[0]);
        const YuvView half = converter.Convert(view, 2);
        EXPECT_EQ(half.Width, w / 2);
        EXPECT_EQ(half.Height, h / 2);
      }
    }
  }
}

TEST(QualityMatcher, MovesTheQuantiserByThePsnrDifferenceAndLeavesAMatchAlone)
{
  using M = QualityMatcher::Measurement;
  EXPECT_EQ(QualityMatcher::Matched(30, M{ 40, 40, true }), 30) << "equal quality: nothing moves";
  EXPECT_EQ(QualityMatcher::Matched(30, M{ 40, 40.7, true }), 30) << "within a step: nothing moves";
  EXPECT_EQ(QualityMatcher::Matched(30, M{ 40, 44, true }), 35) << "finer than JPEG: coarser";
  EXPECT_EQ(QualityMatcher::Matched(30, M{ 40, 36, true }), 25) << "coarser than JPEG: finer";
  EXPECT_EQ(QualityMatcher::Matched(30, M{ 40, 20, true }), 30 - QualityMatcher::kMaxStep) << "one probe moves it a bounded step";
  EXPECT_EQ(QualityMatcher::Matched(30, M{ 0, 44, false }), 30) << "no measurement, no change";
}

TEST(QualityMatcher, MeasuresJpegAndH264AgainstTheSamePlanes)
{
  const Picture scene = MakeScene(320, 240, 1), after = MakeScene(320, 240, 2);
  YuvConverter converter, nextConverter;
  const YuvView yuv = converter.Convert(scene.View, 1), next = nextConverter.Convert(after.View, 1);
  JpegEncoder jpeg(320, 240);
  std::string low, high, error;
  ASSERT_TRUE(jpeg.Encode(yuv, 30, low, error)) << error;
  ASSERT_TRUE(jpeg.Encode(yuv, 85, high, error)) << error;
  for (const auto& backend : WorkingBackends())
  {
    SCOPED_TRACE(backend);
    const auto fine = QualityMatcher::Measure(backend, yuv, high, next, 12);
    const auto coarse = QualityMatcher::Measure(backend, yuv, low, next, 40);
    ASSERT_TRUE(fine.Ok && coarse.Ok) << fine.JpegDb << " " << fine.VideoDb << " " << coarse.JpegDb << " " << coarse.VideoDb;
    EXPECT_GT(fine.JpegDb, coarse.JpegDb + 3) << "JPEG q85 against q30";
    EXPECT_GT(fine.VideoDb, coarse.VideoDb + 6) << "H.264 at 12 against 40";
    EXPECT_GT(coarse.JpegDb, 20);
    EXPECT_GT(coarse.VideoDb, 20);
  }
}

TEST(H264Encoders, OpenH264AndX264AreBuiltInAndWorkHere)
{
  const auto working = WorkingBackends();
  EXPECT_NE(std::find(working.begin(), working.end(), "openh264"), working.end());
  EXPECT_NE(std::find(working.begin(), working.end(), "libx264"), working.end());
  std::string why;
  EXPECT_FALSE(H264Encoder::Choose("auto", why).empty()) << why;
  EXPECT_TRUE(H264Encoder::Choose("no-such-encoder", why).empty());
  EXPECT_NE(why.find("unknown"), std::string::npos) << why;
}

TEST(H264Encoders, EveryBackendMakesWhatLibavcodecDecodesAtHighPsnr)
{
  for (const auto& name : WorkingBackends())
  {
    SCOPED_TRACE(name);
    constexpr int w = 321, h = 241; // odd: the encoders get 320 x 240
    std::string error;
    auto encoder = H264Encoder::Create(name, YuvConverter::EvenSide(w, 1), YuvConverter::EvenSide(h, 1), 22, 1, error);
    ASSERT_TRUE(encoder) << error;
    EXPECT_EQ(encoder->Width(), 320);
    EXPECT_EQ(encoder->Height(), 240);
    YuvConverter converter;
    VideoDecoder decoder;
    std::size_t keyBytes = 0, deltaBytes = 0;
    for (int t = 0; t < 12; ++t)
    {
      const Picture scene = MakeScene(w, h, t);
      const YuvView yuv = EvenCrop(converter.Convert(scene.View, 1));
      ASSERT_EQ(yuv.Width, 320);
      AccessUnit unit;
      ASSERT_TRUE(encoder->Encode(yuv, t * 33, t == 8, unit, error)) << error;
      ASSERT_GT(unit.Data.size(), 4u);
      EXPECT_EQ(unit.Data.compare(0, 3, std::string("\0\0\0", 3)) == 0 ||
          unit.Data.compare(0, 3, std::string("\0\0\1", 3)) == 0, true) << "Annex B start code";
      EXPECT_EQ(unit.Key, t == 0 || t == 8) << "frame " << t; // first, and when forced only
      (unit.Key ? keyBytes : deltaBytes) += unit.Data.size();
      const DecodedImage image = decoder.Decode(unit.Data);
      ASSERT_TRUE(image.Ok) << "frame " << t;
      ASSERT_EQ(image.Width, 320);
      ASSERT_EQ(image.Height, 240);
      const double psnr = Psnr(image, [&](int x, int y) { return Scene(x, y, w, h, t); });
      EXPECT_GT(psnr, 36) << "frame " << t;
    }
    EXPECT_LT(deltaBytes / 10, keyBytes / 2 / 3) << "a delta frame is far smaller than a key frame";
  }
}

TEST(H264Encoders, ADecoderThatMissedFramesOnlyRecoversAtAKeyFrame)
{
  // Why the server resyncs skipping viewers: a delta frame on its own decodes to nothing
  // (or garbage), the next key frame to the right picture.
  std::string error;
  auto encoder = H264Encoder::Create("openh264", 160, 120, 22, 1, error);
  ASSERT_TRUE(encoder) << error;
  YuvConverter converter;
  std::vector<AccessUnit> units(4);
  for (int t = 0; t < 4; ++t)
  {
    const Picture scene = MakeScene(160, 120, t);
    ASSERT_TRUE(encoder->Encode(EvenCrop(converter.Convert(scene.View, 1)), t * 40, t == 3, units[t], error));
  }
  VideoDecoder late; // joins at frame 1
  EXPECT_FALSE(late.Decode(units[1].Data).Ok);
  const DecodedImage key = late.Decode(units[3].Data);
  ASSERT_TRUE(key.Ok);
  EXPECT_GT(Psnr(key, [](int x, int y) { return Scene(x, y, 160, 120, 3); }), 36);
}

// A server holding frame 1 of the pattern, and a video viewer that has read its hello.
class ServerVideo : public ::testing::Test
{
protected:
  void Start(std::vector<std::string> serverArgs = {})
  {
    this->Server = std::make_unique<ServerProcess>(serverArgs);
    this->Server->PublishPattern(kW, kH, 1);
    ASSERT_TRUE(this->Server->WaitEncoded(1));
    this->Viewer = std::make_unique<WsClient>(this->Server->Port, this->Server->Url("/ws", this->Server->Token) + "&codec=h264");
    ASSERT_TRUE(this->Viewer->Open()) << this->Viewer->HandshakeStatus;
    this->Hello = ReadHello(*this->Viewer);
  }
  std::unique_ptr<ServerProcess> Server;
  std::unique_ptr<WsClient> Viewer;
  nlohmann::json Hello;
};

TEST_F(ServerVideo, NewViewerGetsHelloJpegThenAKeyFrameWithoutWaitingForARender)
{
  ASSERT_NO_FATAL_FAILURE(this->Start());
  EXPECT_EQ(this->Hello["type"], "hello");
  EXPECT_EQ(this->Hello["codec"], "h264");
  std::string first;
  ASSERT_TRUE(this->Viewer->ReadFrameFor(first, 3s));
  ASSERT_EQ(first[0], 'J') << "the current picture at once, as JPEG";
  EXPECT_TRUE(IsCompleteJpeg(first.substr(1)));
  // Nothing renders any more: the key frame comes from the held frame.
  std::string key;
  const auto start = std::chrono::steady_clock::now();
  ASSERT_TRUE(ReadTagged(*this->Viewer, 'K', key));
  EXPECT_LT(std::chrono::steady_clock::now() - start, 1s);
  VideoDecoder decoder;
  const DecodedImage image = decoder.Decode(key);
  ASSERT_TRUE(image.Ok);
  EXPECT_EQ(image.Width, int(kW));
  EXPECT_GT(Psnr(image, PatternAt(1)), kPatternPsnr);
  const auto stats = GetStats(this->Server->Port, this->Server->Token);
  std::string why;
  EXPECT_EQ(stats["video"]["encoder"], H264Encoder::Choose("auto", why));
  EXPECT_EQ(stats["clientList"][0]["codec"], "h264");
}

TEST_F(ServerVideo, EveryNewFrameArrivesAsADeltaThatDecodesToThatFrame)
{
  ASSERT_NO_FATAL_FAILURE(this->Start());
  std::string unit;
  ASSERT_TRUE(ReadTagged(*this->Viewer, 'K', unit));
  VideoDecoder decoder;
  ASSERT_TRUE(decoder.Decode(unit).Ok);
  for (std::uint64_t seq = 2; seq <= 8; ++seq)
  {
    this->Server->PublishPattern(kW, kH, seq);
    std::string delta;
    ASSERT_TRUE(ReadTagged(*this->Viewer, 'D', delta, 3)) << "frame " << seq; // a still may come first
    const DecodedImage image = decoder.Decode(delta);
    ASSERT_TRUE(image.Ok) << "frame " << seq;
    EXPECT_GT(Psnr(image, PatternAt(seq)), kPatternPsnr) << "frame " << seq;
  }
  // Holding still: no more video (and no key frames nobody asked for).
  std::string message;
  for (int i = 0; i < 3 && this->Viewer->ReadFrameFor(message, 700ms); ++i)
  {
    EXPECT_EQ(message[0], 'J') << "only the still may follow";
  }
}

TEST_F(ServerVideo, AKeyFrameRequestIsAnsweredAndPacedForEveryone)
{
  ASSERT_NO_FATAL_FAILURE(this->Start());
  std::string unit;
  ASSERT_TRUE(ReadTagged(*this->Viewer, 'K', unit));
  // A decoder error on the page: it asks again, and again. Each is answered, no faster than
  // the key-frame pace.
  std::vector<std::chrono::steady_clock::time_point> keys;
  for (int i = 0; i < 3; ++i)
  {
    ASSERT_TRUE(this->Viewer->SendText(R"({"type":"keyframe"})"));
    ASSERT_TRUE(ReadTagged(*this->Viewer, 'K', unit));
    keys.push_back(std::chrono::steady_clock::now());
    VideoDecoder fresh;
    const DecodedImage image = fresh.Decode(unit);
    ASSERT_TRUE(image.Ok);
    EXPECT_GT(Psnr(image, PatternAt(1)), kPatternPsnr);
  }
  EXPECT_GE(keys[2] - keys[0], 2 * VideoStreams::kMinKeyInterval - 20ms);
}

TEST_F(ServerVideo, AViewerThatFallsBehindSkipsToAKeyFrameAndNeverGetsABrokenStream)
{
  ASSERT_NO_FATAL_FAILURE(this->Start());
  std::string unit;
  ASSERT_TRUE(this->Viewer->ReadFrameFor(unit, 3s)); // the JPEG
  ASSERT_TRUE(this->Viewer->SendText(R"({"type":"ack"})")); // from now on paced by acks
  ASSERT_TRUE(ReadTagged(*this->Viewer, 'K', unit));
  ASSERT_TRUE(this->Viewer->SendText(R"({"type":"ack"})")); // the key frame arrived
  VideoDecoder decoder;
  ASSERT_TRUE(decoder.Decode(unit).Ok);
  // No acks: two frames may be on their way, three more wait; the next overflows them all.
  std::uint64_t seq = 2;
  for (; seq <= 8; ++seq)
  {
    this->Server->PublishPattern(kW, kH, seq);
    ASSERT_TRUE(this->Server->WaitEncoded(seq));
    std::this_thread::sleep_for(20ms);
  }
  std::vector<std::string> received;
  std::string message;
  while (this->Viewer->ReadFrameFor(message, 300ms))
  {
    received.push_back(message);
  }
  for (const auto& m : received)
  {
    if (m[0] != 'J') // a still (of frame 1) is drawn over the video, not part of the stream
    {
      ASSERT_EQ(m[0], 'D');
      ASSERT_TRUE(decoder.Decode(m.substr(1)).Ok);
    }
  }
  EXPECT_LE(received.size(), 2u) << "only what was written before the acks stopped";
  // It catches up: acks again. The next video message is a key frame of the newest picture.
  for (std::size_t i = 0; i < received.size() + 1; ++i)
  {
    ASSERT_TRUE(this->Viewer->SendText(R"({"type":"ack"})"));
  }
  ASSERT_TRUE(this->Viewer->ReadFrameFor(message, 3s));
  while (message[0] == 'J' && this->Viewer->ReadFrameFor(message, 3s))
  {
  }
  ASSERT_EQ(message[0], 'K') << "no delta frame after a gap";
  const DecodedImage image = decoder.Decode(message.substr(1));
  ASSERT_TRUE(image.Ok);
  EXPECT_GT(Psnr(image, PatternAt(seq - 1)), kPatternPsnr);
  const auto stats = GetStats(this->Server->Port, this->Server->Token);
  EXPECT_GE(stats["clientList"][0]["framesDropped"].get<int>(), 3);
}

TEST(ServerCodecs, JpegClientsAreUnchangedAndBadCodecIs400)
{
  ServerProcess server;
  server.PublishPattern(kW, kH, 1);
  ASSERT_TRUE(server.WaitEncoded(1));
  WsClient video(server.Port, server.Url("/ws", server.Token) + "&codec=h264");
  WsClient jpeg(server.Port, server.Url("/ws", server.Token) + "&codec=jpeg");
  WsClient plain(server.Port, server.Url("/ws", server.Token));
  for (WsClient* ws : { &video, &jpeg, &plain })
  {
    ReadHello(*ws);
  }
  server.PublishPattern(kW, kH, 2);
  for (WsClient* ws : { &jpeg, &plain })
  {
    std::string frame;
    ASSERT_TRUE(ws->ReadFrameFor(frame, 3s));
    EXPECT_TRUE(IsCompleteJpeg(frame)) << "no tag byte, one JPEG per message";
  }
  EXPECT_EQ(UpgradeStatus(server.Port, server.Url("/ws", server.Token) + "&codec=vp9"), 400);
}

TEST_F(ServerVideo, WithoutAnEncoderTheHelloSaysJpegAndJpegIsSent)
{
  ASSERT_NO_FATAL_FAILURE(this->Start({ "--video-encoder", "none" }));
  EXPECT_EQ(this->Hello["codec"], "jpeg");
  std::string frame;
  ASSERT_TRUE(this->Viewer->ReadFrameFor(frame, 3s));
  EXPECT_TRUE(IsCompleteJpeg(frame));
  EXPECT_EQ(GetStats(this->Server->Port, this->Server->Token)["video"]["encoder"], "none");
}

// The watcher-to-io hand-off keeps the newest only: behind, new sets merge into the waiting
// one (its JPEGs, its unit per level), a still waits on its own until a frame makes it stale,
// and what a merge loses shows as a gap in the Unit numbers (viewers resynchronise on it).
TEST(FrameHandoff, NewestWinsStillsWaitAndLostUnitsLeaveAGap)
{
  std::atomic<std::uint64_t> merged{ 0 };
  FrameHandoff handoff(merged);
  const auto frame = [](std::uint64_t sequence, FrameKind kind = FrameKind::Jpeg, std::uint64_t unit = 0) {
    auto f = std::make_shared<EncodedFrame>();
    f->Data = std::to_string(sequence); // its picture, as far as the hand-off can tell
    f->Kind = kind;
    f->Unit = unit;
    return f;
  };
  const auto set = [](FramePtr jpeg, FramePtr video, int videoLevel = 0, bool still = false) {
    auto s = std::make_shared<FrameSet>();
    s->Levels[0] = std::move(jpeg);
    s->Video[videoLevel] = std::move(video);
    s->Still = still;
    return FrameSetPtr(s);
  };
  EXPECT_TRUE(handoff.Put(set(frame(1), frame(1, FrameKind::VideoKey, 1)))) << "the first wakes the io thread";
  EXPECT_FALSE(handoff.Put(set(frame(2), frame(2, FrameKind::VideoDelta, 2))));
  EXPECT_FALSE(handoff.Put(set(nullptr, frame(2, FrameKind::VideoDelta, 1), 3))); // video only, level 3
  auto taken = handoff.Take();
  ASSERT_EQ(taken.size(), 1u);
  EXPECT_EQ(taken[0]->Levels[0]->Data, "2") << "the newest JPEG";
  EXPECT_EQ(taken[0]->Video[0]->Unit, 2u) << "the newest unit: unit 1 is lost, a gap";
  EXPECT_EQ(taken[0]->Video[3]->Unit, 1u) << "another level's unit is kept";
  EXPECT_EQ(merged.load(), 2u);
  EXPECT_TRUE(handoff.Take().empty());

  EXPECT_TRUE(handoff.Put(set(frame(3), nullptr)));
  EXPECT_FALSE(handoff.Put(set(frame(3), nullptr, 0, true))); // the still of frame 3
  EXPECT_FALSE(handoff.Put(set(nullptr, frame(3, FrameKind::VideoDelta, 3)))); // video only
  taken = handoff.Take();
  ASSERT_EQ(taken.size(), 3u) << "frame, still, video refresh";
  EXPECT_TRUE(taken[1]->Still);
  EXPECT_TRUE(handoff.Put(set(frame(3), nullptr, 0, true)));
  EXPECT_FALSE(handoff.Put(set(frame(4), nullptr)));
  taken = handoff.Take();
  ASSERT_EQ(taken.size(), 1u) << "a new frame makes the waiting still stale";
  EXPECT_EQ(taken[0]->Levels[0]->Data, "4");
  EXPECT_FALSE(taken[0]->Still);
}
