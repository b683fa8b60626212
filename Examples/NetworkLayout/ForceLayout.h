// A 3D force-directed (Fruchterman-Reingold) layout of a random clustered graph, advanced one
// step at a time. Repulsion only acts within a cut-off radius, found through a hashed uniform
// grid, so a step costs O(nodes + edges) rather than O(nodes^2). Plain C++, no VTK.
#ifndef RenderStream_ForceLayout_h
#define RenderStream_ForceLayout_h

#include <array>
#include <cstdint>
#include <random>
#include <vector>

class ForceLayout
{
public:
  /// A graph of `nodes` nodes in clusters of about 100: a random tree inside each cluster,
  /// some extra edges inside clusters and a few between them (about 1.5 edges per node).
  ForceLayout(int nodes, std::uint32_t seed);

  int GetNumberOfNodes() const { return static_cast<int>(this->Group.size()); }
  const std::vector<std::array<int, 2>>& GetEdges() const { return this->Edges; }
  /// Cluster of each node (for colouring).
  const std::vector<int>& GetGroups() const { return this->Group; }
  /// x, y, z of every node.
  const std::vector<float>& GetPositions() const { return this->Positions; }

  /// One iteration: forces, then moves limited by the current temperature, which cools.
  /// Once the layout has settled for a while it scatters the nodes and starts again, so the
  /// example keeps moving.
  void Step();

  /// Random positions in a cube and a hot temperature.
  void Scatter();

private:
  void Repulse();
  void Attract();

  std::mt19937 Random;
  std::vector<std::array<int, 2>> Edges;
  std::vector<int> Group;
  std::vector<float> Positions;
  std::vector<float> Displacement;
  // Hashed grid: the first node of each bucket, then the next node of the same bucket.
  std::vector<int> BucketHead;
  std::vector<int> NextInBucket;
  float Temperature = 0;
  int SettledSteps = 0;
};

#endif
