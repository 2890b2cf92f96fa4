#version 450
// Packs op(X), a rows x cols matrix (X stored cols x rows when TRANS), into a zero-padded
// rows_p x cols_p row-major panel: what the GEMM's main loop reads (gemm.comp). Packing takes
// every transpose and every edge out of the main loop, as in BLIS: the main loop reads aligned
// vec4s with no bounds checks, and its cost is one read and one write per element (O(n^2) against
// the product's O(n^3)).

layout(local_size_x = 32, local_size_y = 4) in;
layout(constant_id = 0) const bool TRANS = false;

layout(set = 0, binding = 0) uniform samplerBuffer src;  // R32F view of X
layout(std430, set = 0, binding = 1) writeonly buffer Dst { float dst[]; };

layout(push_constant) uniform Push {
  uint rows;
  uint cols;
  uint rows_p;
  uint cols_p;
  // First row and column of this dispatch (panels past maxComputeWorkGroupCount take several).
  uint row0;
  uint col0;
} p;

void main() {
  const uint c = p.col0 + gl_GlobalInvocationID.x;
  const uint r = p.row0 + gl_GlobalInvocationID.y;
  if (c >= p.cols_p || r >= p.rows_p) return;
  float v = 0.0;
  if (r < p.rows && c < p.cols) v = texelFetch(src, int(TRANS ? c * p.rows + r : r * p.cols + c)).r;
  dst[r * p.cols_p + c] = v;
}
