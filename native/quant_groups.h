// The int8 broadcast kernels' walk over k, for quant_avx2.cc and quant_avx512vnni.cc. Included
// after each file's `#pragma GCC target`, so it is compiled for that ISA and inlines into the
// kernel (defined before the pragma, it was baseline code that could not inline the kernel's
// step: the accumulators went through memory and the VNNI predict ran at 0.6x). No standard
// headers, so nothing shared with generic code is instantiated for the ISA.
#pragma once

namespace tg::q8 {

// The broadcast kernels' walk over k from group g0: step(g, xv) for each group g of 4 bytes, xv[r]
// those 4 bytes of row r (rows k apart) as one int32; the last 1-3 bytes of a row zero-padded,
// never read past it.
template <int R, class Step>
inline void for_each_group(const uint8_t* x, size_t k, size_t g0, const Step& step) {
  const size_t full = k / 4;
  for (size_t g = g0; g < full; ++g) {
    int32_t xv[R];
    for (int r = 0; r < R; ++r) __builtin_memcpy(&xv[r], x + r * k + 4 * g, 4);
    step(g, xv);
  }
  if (k_groups(k) > full) {
    int32_t xv[R];
    for (int r = 0; r < R; ++r) {
      uint8_t b[4] = {0, 0, 0, 0};
      __builtin_memcpy(b, x + r * k + 4 * full, k - 4 * full);
      __builtin_memcpy(&xv[r], b, 4);
    }
    step(full, xv);
  }
}

}  // namespace tg::q8
