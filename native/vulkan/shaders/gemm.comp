#version 450
#extension GL_EXT_control_flow_attributes : require
// The main loop of the GEMM and of the fused dense forward, on packed panels (pack.comp):
//   A panel: op(A) zero-padded to Mp x Kp, row-major, read as vec4s of 4 consecutive k;
//   B panel: op(B) zero-padded to Kp x Np, row-major, read as vec4s of 4 consecutive columns.
// Mp and Np are multiples of the workgroup tile (BM x BN) and Kp of 16, so the loop has no bounds
// checks and no transposes. The epilogue writes C (m x n, row-major): alpha * AB + beta * C, or
// act(AB + bias) for the dense forward.
//
// Register blocking: each thread owns a TM x (4 * TN4) block of C, rows strided by TY and vec4
// columns by TX (threads next to each other read and write next-door columns). Per 4 steps of k
// it reads TM vec4s of A and 4 * TN4 vec4s of B and does 16 * TM * TN4 multiply-adds.
//
// Two ways to get the panels to the registers, one source (compiled twice, STAGE_SHARED 1 and 0):
//  - STAGE_SHARED 1, for GPUs: the workgroup copies a BM x 16 slice of A and a 16 x BN slice of B
//    to shared memory, then every thread reads its values from there (16 x 16 threads, 8 x 8 of C
//    each: 128 x 128 tiles).
//  - STAGE_SHARED 0, for CPU devices (lavapipe): each thread reads its vec4s through the texel
//    cache itself (8 x 8 threads, 16 x 8 of C each). lavapipe runs every shared-memory and
//    storage-buffer access lane by lane, 5 to 10 times the cost of a texel fetch, so on it the
//    shared-memory copy only adds cost (docs/gpu.md has the figures).
// The workgroup size is a specialization constant, chosen from the device's limits.

layout(local_size_x_id = 0, local_size_y_id = 1, local_size_z = 1) in;

#if STAGE_SHARED
const uint TM = 8;
#else
const uint TM = 16;
#endif
const uint TN4 = 2;  // vec4 columns per thread
const uint TX = gl_WorkGroupSize.x;
const uint TY = gl_WorkGroupSize.y;
const uint BM = TY * TM;    // rows of a tile
const uint BN4 = TX * TN4;  // vec4 columns of a tile

layout(set = 0, binding = 0) uniform samplerBuffer ap;  // RGBA32F view of the A panel
layout(set = 0, binding = 1) uniform samplerBuffer bp;  // RGBA32F view of the B panel
layout(std430, set = 0, binding = 2) buffer CBuf { float c[]; };
layout(std430, set = 0, binding = 3) readonly buffer BiasBuf { float bias[]; };

layout(push_constant) uniform Push {
  uint m;
  uint n;
  uint kq;  // Kp / 4: vec4s per row of the A panel
  uint nq;  // Np / 4: vec4s per row of the B panel
  // First row and vec4 column of C this dispatch covers (products wider than the device's
  // maxComputeWorkGroupCount take several dispatches).
  uint row0;
  uint colq0;
  uint epilogue;  // 0: alpha * AB + beta * C; 1: act(AB + bias)
  uint act;       // 0 linear, 1 relu, 2 sigmoid, 3 tanh (the codes of native/gemm.h's Act)
  uint has_bias;
  float alpha;
  float beta;
  uint unused;
} p;

#if STAGE_SHARED
const uint SQ = 4;  // vec4s of k per slice: 16 values
shared vec4 As[BM * SQ];
shared vec4 Bs[4 * SQ * BN4];
#endif

float activate(float z) {
  if (p.act == 1) return z > 0.0 ? z : 0.0;  // NaN gives 0, as in the TypeScript
  if (p.act == 2) {
    // Never exp of a large positive number: no overflow for large |z|.
    if (z >= 0.0) return 1.0 / (1.0 + exp(-z));
    const float e = exp(z);
    return e / (1.0 + e);
  }
  if (p.act == 3) {
    // tanh from exp(-2|z|) <= 1: no inf / inf for large |z| (some drivers' tanh has that).
    const float t = exp(-2.0 * abs(z));
    const float r = (1.0 - t) / (1.0 + t);
    return z < 0.0 ? -r : r;
  }
  return z;
}

void main() {
  const uint tx = gl_LocalInvocationID.x;
  const uint ty = gl_LocalInvocationID.y;
  const uint tileRow = p.row0 + gl_WorkGroupID.y * BM;
  const uint tileColq = p.colq0 + gl_WorkGroupID.x * BN4;

  vec4 acc[TM][TN4];
  [[unroll]] for (uint i = 0; i < TM; ++i)
    [[unroll]] for (uint j = 0; j < TN4; ++j) acc[i][j] = vec4(0.0);

#if STAGE_SHARED
  const uint tid = ty * TX + tx;
  for (uint q0 = 0; q0 < p.kq; q0 += SQ) {
    for (uint l = tid; l < BM * SQ; l += TX * TY) {
      const uint r = l / SQ, q = l % SQ;
      As[l] = texelFetch(ap, int((tileRow + r) * p.kq + q0 + q));
    }
    for (uint l = tid; l < 4 * SQ * BN4; l += TX * TY) {
      const uint kk = l / BN4, cq = l % BN4;
      Bs[l] = texelFetch(bp, int((q0 * 4 + kk) * p.nq + tileColq + cq));
    }
    barrier();
    [[unroll]] for (uint q = 0; q < SQ; ++q) {
      vec4 av[TM];
      [[unroll]] for (uint i = 0; i < TM; ++i) av[i] = As[(ty + TY * i) * SQ + q];
      [[unroll]] for (uint s = 0; s < 4; ++s) {
        vec4 bv[TN4];
        [[unroll]] for (uint j = 0; j < TN4; ++j) bv[j] = Bs[(q * 4 + s) * BN4 + tx + TX * j];
        [[unroll]] for (uint i = 0; i < TM; ++i)
          [[unroll]] for (uint j = 0; j < TN4; ++j) acc[i][j] += av[i][s] * bv[j];
      }
    }
    barrier();
  }
#else
  for (uint q = 0; q < p.kq; ++q) {
    vec4 av[TM];
    [[unroll]] for (uint i = 0; i < TM; ++i) av[i] = texelFetch(ap, int((tileRow + ty + TY * i) * p.kq + q));
    [[unroll]] for (uint s = 0; s < 4; ++s) {
      vec4 bv[TN4];
      [[unroll]] for (uint j = 0; j < TN4; ++j)
        bv[j] = texelFetch(bp, int((q * 4 + s) * p.nq + tileColq + tx + TX * j));
      [[unroll]] for (uint i = 0; i < TM; ++i)
        [[unroll]] for (uint j = 0; j < TN4; ++j) acc[i][j] += av[i][s] * bv[j];
    }
  }
#endif

  [[unroll]] for (uint i = 0; i < TM; ++i) {
    const uint row = tileRow + ty + TY * i;
    if (row >= p.m) continue;
    [[unroll]] for (uint j = 0; j < TN4; ++j) {
      [[unroll]] for (uint e = 0; e < 4; ++e) {
        const uint col = (tileColq + tx + TX * j) * 4 + e;
        if (col >= p.n) continue;
        const uint idx = row * p.n + col;
        float v = acc[i][j][e];
        if (p.epilogue == 1) {
          if (p.has_bias != 0) v += bias[col];
          v = activate(v);
        } else {
          v *= p.alpha;
          // beta = 0 never reads C, so NaN in a fresh output stays out (as in BLAS).
          if (p.beta != 0.0) v += p.beta * c[idx];
        }
        c[idx] = v;
      }
    }
  }
}
