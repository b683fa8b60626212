// H.264 through Cisco's OpenH264 (BSD licence), linked directly: Debian's libavcodec is built
// without its wrapper. Constant QP, one spatial and temporal layer, one slice per thread.
#include "H264Encoder.h"

#include <wels/codec_api.h>

namespace renderstream::server
{
namespace
{
struct EncoderDeleter
{
  void operator()(ISVCEncoder* e) const
  {
    e->Uninitialize();
    WelsDestroySVCEncoder(e);
  }
};

class OpenH264Encoder final : public H264Encoder
{
public:
  OpenH264Encoder(int width, int height)
    : H264Encoder(width, height)
  {
  }

  bool Open(int qp, int threads, std::string& error)
  {
    ISVCEncoder* raw = nullptr;
    if (WelsCreateSVCEncoder(&raw) != 0 || !raw)
    {
      error = "cannot create an OpenH264 encoder";
      return false;
    }
    SEncParamExt p;
    raw->GetDefaultParams(&p);
    p.iUsageType = CAMERA_VIDEO_REAL_TIME;
    p.iPicWidth = this->Width();
    p.iPicHeight = this->Height();
    p.iRCMode = RC_OFF_MODE; // constant QP: the viewer's link picks the level, not the encoder
    p.fMaxFrameRate = 30;
    p.iTemporalLayerNum = 1;
    p.iSpatialLayerNum = 1;
    p.uiIntraPeriod = 0; // key frames only when asked for
    p.iNumRefFrame = 1;
    p.eSpsPpsIdStrategy = CONSTANT_ID;
    p.iMultipleThreadIdc = threads;
    p.bEnableFrameSkip = false;
    p.bEnableSceneChangeDetect = false; // an unasked-for key frame only costs bits here
    p.iEntropyCodingModeFlag = 0;       // CAVLC: constrained baseline
    p.iMaxQp = p.iMinQp = qp;
    SSpatialLayerConfig& layer = p.sSpatialLayers[0];
    layer.iVideoWidth = this->Width();
    layer.iVideoHeight = this->Height();
    layer.fFrameRate = 30;
    layer.iDLayerQp = qp;
    layer.uiProfileIdc = PRO_BASELINE;
    if (threads > 1) // OpenH264's threads each encode slices: one each
    {
      layer.sSliceArgument.uiSliceMode = SM_FIXEDSLCNUM_SLICE;
      layer.sSliceArgument.uiSliceNum = static_cast<unsigned>(threads);
    }
    else
    {
      layer.sSliceArgument.uiSliceMode = SM_SINGLE_SLICE;
    }
    layer.bVideoSignalTypePresent = true;
    layer.bFullRange = true; // as YuvConverter makes it
    layer.bColorDescriptionPresent = true;
    layer.uiColorPrimaries = CP_BT709;
    layer.uiTransferCharacteristics = TRC_IEC61966_2_1;
    layer.uiColorMatrix = CM_SMPTE170M;
    this->Encoder.reset(raw);
    int quiet = WELS_LOG_QUIET;
    raw->SetOption(ENCODER_OPTION_TRACE_LEVEL, &quiet);
    if (raw->InitializeExt(&p) != cmResultSuccess)
    {
      error = "OpenH264 rejected the settings for " + std::to_string(this->Width()) + "x" +
        std::to_string(this->Height());
      return false;
    }
    int format = videoFormatI420;
    raw->SetOption(ENCODER_OPTION_DATAFORMAT, &format);
    return true;
  }

  bool SetQp(int qp) override
  {
    SEncParamExt p;
    if (this->Encoder->GetOption(ENCODER_OPTION_SVC_ENCODE_PARAM_EXT, &p) != cmResultSuccess)
    {
      return false;
    }
    p.iMaxQp = p.iMinQp = p.sSpatialLayers[0].iDLayerQp = qp;
    return this->Encoder->SetOption(ENCODER_OPTION_SVC_ENCODE_PARAM_EXT, &p) == cmResultSuccess;
  }

  bool Encode(const YuvView& picture, std::int64_t timeMs, bool forceKey, AccessUnit& out,
    std::string& error) override
  {
    SSourcePicture source{};
    source.iColorFormat = videoFormatI420;
    source.iPicWidth = picture.Width;
    source.iPicHeight = picture.Height;
    for (int plane = 0; plane < 3; ++plane)
    {
      source.iStride[plane] = picture.Strides[plane];
      source.pData[plane] = const_cast<unsigned char*>(picture.Planes[plane]); // read only
    }
    source.uiTimeStamp = timeMs;
    if (forceKey && !this->First)
    {
      this->Encoder->ForceIntraFrame(true);
    }
    this->First = false;
    SFrameBSInfo info{};
    if (this->Encoder->EncodeFrame(&source, &info) != cmResultSuccess ||
      info.eFrameType == videoFrameTypeInvalid || info.eFrameType == videoFrameTypeSkip)
    {
      error = "OpenH264 did not encode the picture";
      return false;
    }
    out.Data.clear();
    for (int l = 0; l < info.iLayerNum; ++l)
    {
      const SLayerBSInfo& layer = info.sLayerInfo[l];
      int bytes = 0;
      for (int n = 0; n < layer.iNalCount; ++n)
      {
        bytes += layer.pNalLengthInByte[n];
      }
      out.Data.append(reinterpret_cast<const char*>(layer.pBsBuf), static_cast<std::size_t>(bytes));
    }
    out.Key = info.eFrameType == videoFrameTypeIDR;
    return true;
  }

private:
  std::unique_ptr<ISVCEncoder, EncoderDeleter> Encoder;
  bool First = true;
};
} // namespace

std::unique_ptr<H264Encoder> CreateOpenH264Encoder(
  int width, int height, int qp, int threads, std::string& error)
{
  auto encoder = std::make_unique<OpenH264Encoder>(width, height);
  if (!encoder->Open(qp, threads, error))
  {
    return nullptr;
  }
  return encoder;
}
} // namespace renderstream::server
