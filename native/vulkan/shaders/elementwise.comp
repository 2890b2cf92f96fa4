#version 450
// An activation's derivative from the layer's output, out = f(dy, y), over len elements:
// OP 0 is ReLU's (dy where y > 0, else 0: ReLU'(0) = 0 and NaN y gives 0), OP 1 the sigmoid's
// (dy * y * (1 - y)). A grid-stride loop, so any length runs in a bounded number of workgroups.

// 128 invocations: every Vulkan device runs that many per workgroup.
layout(local_size_x = 128) in;
layout(constant_id = 0) const uint OP = 0;

layout(std430, set = 0, binding = 0) readonly buffer DyBuf { float dy[]; };
layout(std430, set = 0, binding = 1) readonly buffer YBuf { float y[]; };
layout(std430, set = 0, binding = 2) buffer OutBuf { float outv[]; };

layout(push_constant) uniform Push { uint len; } p;

void main() {
  const uint stride = gl_NumWorkGroups.x * gl_WorkGroupSize.x;
  for (uint i = gl_GlobalInvocationID.x; i < p.len; i += stride) {
    const float yi = y[i];
    const float d = dy[i];
    outv[i] = OP == 0 ? (yi > 0.0 ? d : 0.0) : d * yi * (1.0 - yi);
  }
}
