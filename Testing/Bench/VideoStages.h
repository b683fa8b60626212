// The stages of RenderStreamVideoBench that live in files of their own.
#ifndef RenderStream_VideoStages_h
#define RenderStream_VideoStages_h

#include "BenchCommon.h"

namespace renderstream::bench
{
/// RGB -> YUV 4:2:0 candidates side by side on rendered frames: ms and dB (ConvertStage.cxx).
json ConvertStage(const BenchOptions& options);
/// A light producer at 60 fps, one H.264 viewer: delivered/produced, server CPU, the bare
/// encoder on the same pictures, encoder threads and what slices cost (ThroughputStage.cxx).
json ThroughputStage(const BenchOptions& options);
/// What recording and publishing cost: muxing against encoding, and StreamCone's render rate
/// and encodes per frame during a drag with and without them (MediaStage.cxx).
json MediaStage(const BenchOptions& options);
} // namespace renderstream::bench

#endif
