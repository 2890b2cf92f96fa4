#version 450
// out[j] = sum over rows i of x[i * n + j] (x is m x n): the bias gradient of a dense layer.
// A workgroup (128 invocations, which every device runs) covers 32 columns with 4 threads per
// column; neighbouring threads read neighbouring columns of a row. Each thread sums every 4th row
// with Neumaier's compensated summation, then the 4 partial sums of a column are merged pairwise in
// shared memory, compensations included, so the float32 result stays within about an ulp of the
// float64-accumulated reference even over many rows.

layout(local_size_x = 32, local_size_y = 4) in;

layout(std430, set = 0, binding = 0) readonly buffer XBuf { float x[]; };
layout(std430, set = 0, binding = 1) writeonly buffer OutBuf { float outv[]; };

layout(push_constant) uniform Push {
  uint m;
  uint n;
  uint col0;  // first column of this dispatch (wide matrices run as several)
} p;

shared float sums[4][32];
shared float comps[4][32];

// s + c is the running sum; precise keeps the compiler from simplifying (s - t) + v to 0.
void add(inout precise float s, inout precise float c, float v) {
  precise float t = s + v;
  if (abs(s) >= abs(v))
    c += (s - t) + v;
  else
    c += (v - t) + s;
  s = t;
}

void main() {
  const uint tx = gl_LocalInvocationID.x;
  const uint ty = gl_LocalInvocationID.y;
  const uint col = p.col0 + gl_WorkGroupID.x * 32 + tx;
  precise float s = 0.0;
  precise float c = 0.0;
  if (col < p.n)
    for (uint i = ty; i < p.m; i += 4) add(s, c, x[i * p.n + col]);
  sums[ty][tx] = s;
  comps[ty][tx] = c;
  barrier();
  for (uint half_ = 2; half_ > 0; half_ /= 2) {
    if (ty < half_) {
      precise float s2 = sums[ty][tx];
      precise float c2 = comps[ty][tx];
      add(s2, c2, sums[ty + half_][tx]);
      sums[ty][tx] = s2;
      comps[ty][tx] = c2 + comps[ty + half_][tx];
    }
    barrier();
  }
  if (ty == 0 && col < p.n) outv[col] = sums[0][tx] + comps[0][tx];
}
