#include "ForceLayout.h"

#include <algorithm>
#include <cmath>

namespace
{
constexpr float kEdgeLength = 1.0f; // ideal distance between linked nodes
constexpr float kCutoff = 2.5f;     // repulsion is ignored beyond this distance
constexpr float kGravity = 0.02f;   // pull towards the origin, keeps clusters together
constexpr float kCooling = 0.985f;
constexpr float kColdest = 0.01f;
constexpr int kRestAfterSettled = 120; // steps the settled layout is shown before scattering

int CellOf(float x)
{
  return static_cast<int>(std::floor(x / kCutoff));
}

std::uint32_t HashCell(int x, int y, int z)
{
  return static_cast<std::uint32_t>(x) * 73856093u ^ static_cast<std::uint32_t>(y) * 19349663u ^
    static_cast<std::uint32_t>(z) * 83492791u;
}
} // namespace

ForceLayout::ForceLayout(int nodes, std::uint32_t seed)
  : Random(seed)
  , Group(static_cast<size_t>(nodes))
  , Positions(3 * static_cast<size_t>(nodes))
  , Displacement(3 * static_cast<size_t>(nodes))
  , NextInBucket(static_cast<size_t>(nodes))
{
  const int clusterSize = 100;
  const int clusters = std::max(1, nodes / clusterSize);
  auto uniform = [this](int n) { return std::uniform_int_distribution<int>(0, n - 1)(this->Random); };
  for (int i = 0; i < nodes; ++i)
  {
    this->Group[i] = i % clusters;
  }
  // A random tree inside each cluster (node i links to an earlier node of its cluster)...
  for (int i = clusters; i < nodes; ++i)
  {
    const int earlier = uniform(i / clusters) * clusters + this->Group[i];
    this->Edges.push_back({ i, earlier });
  }
  // ... plus extra links inside clusters and a few bridges between them.
  for (int e = 0; e < nodes / 2; ++e)
  {
    const int a = uniform(nodes);
    int b = uniform(nodes);
    if (uniform(30) != 0)
    {
      b = (b / clusters) * clusters + this->Group[a]; // same cluster
    }
    if (a != b && b < nodes)
    {
      this->Edges.push_back({ a, b });
    }
  }
  size_t buckets = 1;
  while (buckets < 2 * static_cast<size_t>(nodes))
  {
    buckets *= 2;
  }
  this->BucketHead.resize(buckets);
  this->Scatter();
}

void ForceLayout::Scatter()
{
  const float side = 2.0f * std::cbrt(static_cast<float>(this->GetNumberOfNodes()));
  std::uniform_real_distribution<float> coordinate(-side / 2, side / 2);
  for (float& p : this->Positions)
  {
    p = coordinate(this->Random);
  }
  this->Temperature = side / 8;
  this->SettledSteps = 0;
}

void ForceLayout::Step()
{
  if (this->Temperature <= kColdest && ++this->SettledSteps > kRestAfterSettled)
  {
    this->Scatter();
    return;
  }
  std::fill(this->Displacement.begin(), this->Displacement.end(), 0.0f);
  this->Repulse();
  this->Attract();
  const size_t n = this->Group.size();
  for (size_t i = 0; i < n; ++i)
  {
    float* p = &this->Positions[3 * i];
    float* d = &this->Displacement[3 * i];
    for (int c = 0; c < 3; ++c)
    {
      d[c] -= kGravity * p[c];
    }
    const float length = std::sqrt(d[0] * d[0] + d[1] * d[1] + d[2] * d[2]);
    if (length > 1e-6f)
    {
      const float move = std::min(length, this->Temperature) / length;
      for (int c = 0; c < 3; ++c)
      {
        p[c] += d[c] * move;
      }
    }
  }
  this->Temperature = std::max(kColdest, this->Temperature * kCooling);
}

void ForceLayout::Repulse()
{
  const int n = this->GetNumberOfNodes();
  const std::uint32_t mask = static_cast<std::uint32_t>(this->BucketHead.size() - 1);
  std::fill(this->BucketHead.begin(), this->BucketHead.end(), -1);
  for (int i = 0; i < n; ++i)
  {
    const float* p = &this->Positions[3 * i];
    const std::uint32_t bucket = HashCell(CellOf(p[0]), CellOf(p[1]), CellOf(p[2])) & mask;
    this->NextInBucket[i] = this->BucketHead[bucket];
    this->BucketHead[bucket] = i;
  }
  const float k2 = kEdgeLength * kEdgeLength;
  for (int i = 0; i < n; ++i)
  {
    const float* p = &this->Positions[3 * i];
    float* d = &this->Displacement[3 * i];
    const int cx = CellOf(p[0]), cy = CellOf(p[1]), cz = CellOf(p[2]);
    for (int dx = -1; dx <= 1; ++dx)
      for (int dy = -1; dy <= 1; ++dy)
        for (int dz = -1; dz <= 1; ++dz)
        {
          const std::uint32_t bucket = HashCell(cx + dx, cy + dy, cz + dz) & mask;
          for (int j = this->BucketHead[bucket]; j >= 0; j = this->NextInBucket[j])
          {
            // Several cells may share a bucket: the distance test below sorts them out, and a
            // pair seen twice only pushes a little harder.
            if (j == i)
            {
              continue;
            }
            const float* q = &this->Positions[3 * j];
            const float v[3] = { p[0] - q[0], p[1] - q[1], p[2] - q[2] };
            const float dist2 = v[0] * v[0] + v[1] * v[1] + v[2] * v[2];
            if (dist2 >= kCutoff * kCutoff || dist2 < 1e-8f)
            {
              continue;
            }
            const float scale = k2 / dist2; // |f| = k^2 / d, along v / d
            d[0] += v[0] * scale;
            d[1] += v[1] * scale;
            d[2] += v[2] * scale;
          }
        }
  }
}

void ForceLayout::Attract()
{
  for (const auto& edge : this->Edges)
  {
    float* pa = &this->Positions[3 * edge[0]];
    float* pb = &this->Positions[3 * edge[1]];
    const float v[3] = { pa[0] - pb[0], pa[1] - pb[1], pa[2] - pb[2] };
    const float dist = std::sqrt(v[0] * v[0] + v[1] * v[1] + v[2] * v[2]);
    const float scale = dist / kEdgeLength; // |f| = d^2 / k, along v / d
    float* da = &this->Displacement[3 * edge[0]];
    float* db = &this->Displacement[3 * edge[1]];
    for (int c = 0; c < 3; ++c)
    {
      da[c] -= v[c] * scale;
      db[c] += v[c] * scale;
    }
  }
}
