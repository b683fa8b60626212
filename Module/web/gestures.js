// Two-finger maths: the centroid pans, the change of finger distance zooms.

// The point between two fingers ({ x, y } each) and their distance.
export function centroid(a, b) {
  return { cx: (a.x + b.x) / 2, cy: (a.y + b.y) / 2, dist: Math.hypot(a.x - b.x, a.y - b.y) };
}

// How much the fingers spread since the last zoom step (> 1: apart).
export function pinchScale(dist, startDist) {
  return dist / Math.max(1, startDist);
}

// One wheel notch per 8 % of finger distance: -1 (apart: zoom in), 1 (together), 0 (not yet).
export const kPinchStep = 1.08;
export function pinchNotch(dist, startDist) {
  const ratio = pinchScale(dist, startDist);
  return ratio > kPinchStep ? -1 : ratio < 1 / kPinchStep ? 1 : 0;
}
