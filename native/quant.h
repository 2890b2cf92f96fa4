// int8 inference kernels: exact integer dot products of 7-bit unsigned activation codes with int8
// weights, one implementation per ISA (scalar, AVX2, AVX-512 VNNI), picked at run time by quant.cc.
#pragma once
#include <cstddef>
#include <cstdint>

namespace tg::q8 {

// acc[r * ldacc + c] = sum_p x[r * ldx + p] * w[c * ldw + p] for r < rows, c < cols, p < k.
// x holds codes in [0, 127] (checked by the caller): a u8 x s8 pair then sums to at most 32512 in
// magnitude, so vpmaddubsw's int16 saturation never triggers and every ISA gives the same sums.
using DotsFn = void (*)(const uint8_t* x, size_t ldx, const int8_t* w, size_t ldw, size_t k, size_t rows,
                        size_t cols, int32_t* acc, size_t ldacc);
// out[i] = clamp(round_half_even(x[i] / scale) + zero_point, 0, 127); NaN gives 0.
using QuantizeFn = void (*)(const float* x, size_t len, float scale, float zero_point, uint8_t* out);

// Packed weights for the AVX2 broadcast kernel: panels of kPanel output channels, k in groups of 4
// bytes, packed[(panel * groups + g) * 64 + c * 4 + b] = w[(panel * 16 + c) * k + 4 * g + b], zero
// past n or k. Each 32-bit lane of a vector then holds one channel's 4 weights of a group.
constexpr size_t kPanel = 16;
inline size_t k_groups(size_t k) { return (k + 3) / 4; }
void pack_panels(const int8_t* w, size_t n, size_t k, size_t panel0, size_t panel1, int8_t* packed);
// One panel (cols <= 16 channels) for `rows` rows of x (row stride k): out[r * ldo + c] =
// relu?(float(acc) * scale[c] + offset[c]), multiply and add rounded separately (no FMA).
// The same for the scalar ISA: the packed layout's sums in plain loops (quantizedDensePacked, whose
// weights come packed from the caller, needs a panel kernel on every ISA).
void panel_scalar(const uint8_t* x, size_t k, size_t rows, const int8_t* panel, size_t cols, const float* scale,
                  const float* offset, bool relu, float* out, size_t ldo, bool w7);
void panel_avx2(const uint8_t* x, size_t k, size_t rows, const int8_t* panel, size_t cols, const float* scale,
                const float* offset, bool relu, float* out, size_t ldo, bool w7);

void dots_scalar(const uint8_t* x, size_t ldx, const int8_t* w, size_t ldw, size_t k, size_t rows, size_t cols,
                 int32_t* acc, size_t ldacc);
void quantize_scalar(const float* x, size_t len, float scale, float zero_point, uint8_t* out);
#if defined(__x86_64__)
void dots_avx2(const uint8_t* x, size_t ldx, const int8_t* w, size_t ldw, size_t k, size_t rows, size_t cols,
               int32_t* acc, size_t ldacc);
// The same for weights within [-64, 64] only (pairs summed in int16 first; see quant_avx2.cc).
void dots_avx2_w7(const uint8_t* x, size_t ldx, const int8_t* w, size_t ldw, size_t k, size_t rows, size_t cols,
                  int32_t* acc, size_t ldacc);
void quantize_avx2(const float* x, size_t len, float scale, float zero_point, uint8_t* out);
// Whether every weight of w is within [-64, 64] (the AVX2 kernels' narrow form applies).
bool within_64_avx2(const int8_t* w, size_t len);
void dots_avx512vnni(const uint8_t* x, size_t ldx, const int8_t* w, size_t ldw, size_t k, size_t rows,
                     size_t cols, int32_t* acc, size_t ldacc);
void panel_avx512vnni(const uint8_t* x, size_t k, size_t rows, const int8_t* panel, size_t cols, const float* scale,
                      const float* offset, bool relu, float* out, size_t ldo, bool w7);
#endif

}  // namespace tg::q8
