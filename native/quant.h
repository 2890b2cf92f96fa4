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
void dots_avx512vnni(const uint8_t* x, size_t ldx, const int8_t* w, size_t ldw, size_t k, size_t rows,
                     size_t cols, int32_t* acc, size_t ldacc);
#endif

}  // namespace tg::q8
