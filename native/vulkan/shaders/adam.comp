#version 450
// One Adam step in place over len parameters, in Keras's form with the bias corrections folded
// into step_size (computed on the host in double, as every provider does):
//   m = beta1 m + (1 - beta1) g;  v = beta2 v + (1 - beta2) g^2;
//   param -= step_size * m / (sqrt(v) + epsilon)

layout(local_size_x = 128) in;

layout(std430, set = 0, binding = 0) buffer ParamBuf { float param[]; };
layout(std430, set = 0, binding = 1) readonly buffer GradBuf { float grad[]; };
layout(std430, set = 0, binding = 2) buffer MBuf { float mom[]; };
layout(std430, set = 0, binding = 3) buffer VBuf { float vel[]; };

layout(push_constant) uniform Push {
  uint len;
  float step_size;
  float beta1;
  float one_minus_beta1;
  float beta2;
  float one_minus_beta2;
  float epsilon;
} p;

void main() {
  const uint stride = gl_NumWorkGroups.x * gl_WorkGroupSize.x;
  for (uint i = gl_GlobalInvocationID.x; i < p.len; i += stride) {
    const float g = grad[i];
    const float mi = p.beta1 * mom[i] + p.one_minus_beta1 * g;
    const float vi = p.beta2 * vel[i] + p.one_minus_beta2 * g * g;
    mom[i] = mi;
    vel[i] = vi;
    param[i] -= p.step_size * mi / (sqrt(vi) + p.epsilon);
  }
}
