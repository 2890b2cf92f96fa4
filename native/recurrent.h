// The recurrent sequence kernels (SimpleRNN, GRU, LSTM in Keras's gate layouts), forward over all
// steps and backpropagation through time: the same algorithm, layouts and masking as
// src/kernels/js/recurrent.ts, with the recurrent products on the driver's gemm. The gate math is
// done in the array's own type (float: expf, and tanh through expf), so float32 results agree with
// the TypeScript to about 1e-6, not bit for bit; the parity tests hold both to the float64 reference.
//
// Arrays are batch-major: row b * steps + t of xp, hs, cs, cache and dhs belongs to example b at
// step t. A mask value of 0 skips a step: the state is carried over and output again.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <vector>

#include "driver.h"

namespace tg {

// Floating-point exceptions are never read: let GCC if-convert and vectorize the activation loops
// below (with trapping math it keeps the clamps of exp_of as branches). Results are unchanged.
// Only these functions: a function of this region does not inline one from outside it.
#pragma GCC push_options
#pragma GCC optimize("no-trapping-math")

// exp and tanh. In double, the library's. In float, branch-free code the compiler vectorizes (a
// call to expf in the gate loops keeps them scalar, and glibc's tanhf costs four expf): exp by
// Cody-Waite range reduction and a degree-6 polynomial (within 2 ulp of expf over the clamped range
// [-87.3, 88.7]), tanh as (1 - e) / (1 + e) with e = exp(-2|v|), and its odd series below 0.0625
// where 1 - e would lose digits (within 1e-7 of tanhf, absolute).
inline double exp_of(double v) { return __builtin_exp(v); }
inline double tanh_of(double v) { return __builtin_tanh(v); }

inline float exp_of(float v) {
  v = v < -87.3f ? -87.3f : v;
  v = v > 88.7f ? 88.7f : v;
  // n = round(v / ln 2) by the 1.5 * 2^23 trick; its integer value is in the low bits of t (read
  // from the bits: a float-to-int conversion may trap, which keeps GCC from vectorizing the loop).
  const float t = v * 1.44269504088896341f + 12582912.0f;
  int32_t ni;
  std::memcpy(&ni, &t, 4);
  ni -= 0x4B400000;
  const float n = t - 12582912.0f;
  const float r = (v - n * 0.693359375f) + n * 2.12194440e-4f;
  float p = 1.0f / 720;
  p = p * r + 1.0f / 120;
  p = p * r + 1.0f / 24;
  p = p * r + 1.0f / 6;
  p = p * r + 0.5f;
  p = p * r + 1.0f;
  p = p * r + 1.0f;
  // 2^n by the exponent bits; n is within [-126, 128] after the clamp, so 2^(n/2) twice.
  const int32_t half = ni >> 1;
  const int32_t b1 = (half + 127) << 23, b2 = (ni - half + 127) << 23;
  float s1, s2;
  std::memcpy(&s1, &b1, 4);
  std::memcpy(&s2, &b2, 4);
  return p * s1 * s2;
}

inline float tanh_of(float v) {
  const float a = v < 0 ? -v : v;  // not std::fabs: defined outside this optimize region, so not inlined
  const float a2 = a * a;
  const float series = a * (1.0f + a2 * (-1.0f / 3 + a2 * (2.0f / 15 + a2 * (-17.0f / 315))));
  const float e = exp_of(-2.0f * a);
  const float q = (1.0f - e) / (1.0f + e);
  const float t = a < 0.0625f ? series : q;
  return v < 0 ? -t : t;
}

// Activation codes, as in src/kernels/js/recurrent.ts: linear, relu, sigmoid, tanh, hard sigmoid.
// Applied to whole rows, one loop per code, so each loop has no branch and vectorizes.
template <class T>
void activate_into(int code, size_t n, const T* v, T* out) {
  switch (code) {
    case 0:
      for (size_t i = 0; i < n; ++i) out[i] = v[i];
      break;
    case 1:
      for (size_t i = 0; i < n; ++i) out[i] = v[i] > 0 ? v[i] : T(0);
      break;
    case 2:
      for (size_t i = 0; i < n; ++i) out[i] = T(1) / (T(1) + exp_of(-v[i]));
      break;
    case 3:
      for (size_t i = 0; i < n; ++i) out[i] = tanh_of(v[i]);
      break;
    default:
      for (size_t i = 0; i < n; ++i) {
        const T h = T(0.2) * v[i] + T(0.5);
        out[i] = h < 0 ? T(0) : h > 1 ? T(1) : h;
      }
  }
}

// out[i] = the derivative at the input whose output was y[i], from y[i].
template <class T>
void slope_into(int code, size_t n, const T* y, T* out) {
  switch (code) {
    case 0:
      for (size_t i = 0; i < n; ++i) out[i] = T(1);
      break;
    case 1:
      for (size_t i = 0; i < n; ++i) out[i] = y[i] > 0 ? T(1) : T(0);
      break;
    case 2:
      for (size_t i = 0; i < n; ++i) out[i] = y[i] * (T(1) - y[i]);
      break;
    case 3:
      for (size_t i = 0; i < n; ++i) out[i] = T(1) - y[i] * y[i];
      break;
    default:
      for (size_t i = 0; i < n; ++i) out[i] = y[i] > 0 && y[i] < 1 ? T(0.2) : T(0);
  }
}

#pragma GCC pop_options

template <class T>
inline void product(bool ta, bool tb, size_t m, size_t n, size_t k, const T* a, const T* b, T* c) {
  gemm<T>(GemmCall<T>{ta, tb, m, n, k, T(1), a, b, T(0), c, nullptr, Act::Linear});
}

// The sizes of one call.
struct Seq {
  size_t batch, steps, units;
};

template <class T>
inline bool masked(const T* mask, size_t row) {
  return mask != nullptr && mask[row] == 0;
}

// The state before step 0 (init, or zeros), batch x units.
template <class T>
std::vector<T> initial_state(const T* init, const Seq& s) {
  std::vector<T> out(s.batch * s.units, T(0));
  if (init != nullptr) std::memcpy(out.data(), init, out.size() * sizeof(T));
  return out;
}

// Row b*steps+t: the state step t starts from (init at t = 0, else step t-1's).
template <class T>
std::vector<T> previous_states(const T* all, const T* init, const Seq& s) {
  const size_t H = s.units;
  std::vector<T> prev(s.batch * s.steps * H, T(0));
  if (s.steps == 0) return prev;
  for (size_t b = 0; b < s.batch; ++b) {
    T* base = prev.data() + b * s.steps * H;
    if (init != nullptr) std::memcpy(base, init + b * H, H * sizeof(T));
    if (s.steps > 1) std::memcpy(base + H, all + b * s.steps * H, (s.steps - 1) * H * sizeof(T));
  }
  return prev;
}

// Columns [from, from + width) of a rows x cols matrix, contiguous.
template <class T>
std::vector<T> columns(const T* m, size_t rows, size_t cols, size_t from, size_t width) {
  std::vector<T> out(rows * width);
  for (size_t r = 0; r < rows; ++r) std::memcpy(out.data() + r * width, m + r * cols + from, width * sizeof(T));
  return out;
}

// ---- SimpleRNN: h = act(xp + h_prev U)

template <class T>
void rnn_forward(const Seq& s, int act, const T* xp, const T* u, const T* mask, const T* h0, T* hs) {
  const size_t B = s.batch, S = s.steps, H = s.units;
  std::vector<T> h = initial_state(h0, s);
  std::vector<T> hp(B * H);
  for (size_t t = 0; t < S; ++t) {
    product<T>(false, false, B, H, H, h.data(), u, hp.data());
    for (size_t b = 0; b < B; ++b) {
      const size_t row = b * S + t;
      T* hb = h.data() + b * H;
      if (!masked(mask, row)) {
        T* p = hp.data() + b * H;
        const T* x = xp + row * H;
        for (size_t j = 0; j < H; ++j) p[j] += x[j];
        activate_into<T>(act, H, p, hb);
      }
      std::memcpy(hs + row * H, hb, H * sizeof(T));
    }
  }
}

template <class T>
void rnn_backward(const Seq& s, int act, const T* u, const T* mask, const T* h0, const T* hs, const T* dhs, T* dxp,
                  T* du, T* dh0) {
  const size_t B = s.batch, S = s.steps, H = s.units;
  std::vector<T> dh(B * H, T(0)), dpre(B * H), back(B * H), sl(H);
  for (size_t t = S; t-- > 0;) {
    for (size_t b = 0; b < B; ++b) {
      const size_t row = b * S + t;
      T* g = dh.data() + b * H;
      T* d = dpre.data() + b * H;
      for (size_t j = 0; j < H; ++j) g[j] += dhs[row * H + j];
      if (masked(mask, row)) {
        std::fill(d, d + H, T(0));
      } else {
        slope_into<T>(act, H, hs + row * H, sl.data());
        for (size_t j = 0; j < H; ++j) d[j] = g[j] * sl[j];
      }
      std::memcpy(dxp + row * H, d, H * sizeof(T));
    }
    product<T>(false, true, B, H, H, dpre.data(), u, back.data());
    for (size_t b = 0; b < B; ++b) {
      if (masked(mask, b * S + t)) continue;  // the state passed through: its gradient too
      std::memcpy(dh.data() + b * H, back.data() + b * H, H * sizeof(T));
    }
  }
  if (dh0 != nullptr) std::memcpy(dh0, dh.data(), B * H * sizeof(T));
  const std::vector<T> prev = previous_states(hs, h0, s);
  product<T>(true, false, H, H, B * S, prev.data(), dxp, du);
}

// ---- GRU (gates z, r, h); cache row: z, r, n, and hn (resetAfter) or r * h_prev

template <class T>
void gru_forward(const Seq& s, bool reset_after, int rec, int act, const T* xp, const T* u, const T* ub,
                 const T* mask, const T* h0, T* hs, T* cache) {
  const size_t B = s.batch, S = s.steps, H = s.units, G = 3 * H;
  std::vector<T> h = initial_state(h0, s);
  std::vector<T> hp(B * G), rh(B * H), rhu(B * H), pre(2 * H);
  std::vector<T> uh;
  if (!reset_after) uh = columns(u, H, G, 2 * H, H);
  for (size_t t = 0; t < S; ++t) {
    product<T>(false, false, B, G, H, h.data(), u, hp.data());
    if (ub != nullptr)
      for (size_t b = 0; b < B; ++b)
        for (size_t j = 0; j < G; ++j) hp[b * G + j] += ub[j];
    for (size_t b = 0; b < B; ++b) {
      const size_t row = b * S + t;
      T* c = cache + row * 4 * H;
      if (masked(mask, row)) {
        std::fill(c, c + 4 * H, T(0));
        continue;
      }
      const T* x = xp + row * G;
      const T* p = hp.data() + b * G;
      const T* hb = h.data() + b * H;
      // z and r together: they are adjacent in x, p and the cache.
      for (size_t j = 0; j < 2 * H; ++j) pre[j] = x[j] + p[j];
      activate_into<T>(rec, 2 * H, pre.data(), c);
      const T* r = c + H;
      if (reset_after) {
        for (size_t j = 0; j < H; ++j) c[3 * H + j] = p[2 * H + j];
        for (size_t j = 0; j < H; ++j) pre[j] = x[2 * H + j] + r[j] * p[2 * H + j];
        activate_into<T>(act, H, pre.data(), c + 2 * H);
      } else {
        for (size_t j = 0; j < H; ++j) rh[b * H + j] = r[j] * hb[j];
        std::memcpy(c + 3 * H, rh.data() + b * H, H * sizeof(T));
      }
    }
    if (!reset_after) product<T>(false, false, B, H, H, rh.data(), uh.data(), rhu.data());
    for (size_t b = 0; b < B; ++b) {
      const size_t row = b * S + t;
      T* hb = h.data() + b * H;
      if (!masked(mask, row)) {
        T* c = cache + row * 4 * H;
        if (!reset_after) {
          const T* x = xp + row * G;
          for (size_t j = 0; j < H; ++j) pre[j] = x[2 * H + j] + rhu[b * H + j];
          activate_into<T>(act, H, pre.data(), c + 2 * H);
        }
        const T* z = c;
        const T* n = c + 2 * H;
        for (size_t j = 0; j < H; ++j) hb[j] = z[j] * hb[j] + (T(1) - z[j]) * n[j];
      }
      std::memcpy(hs + row * H, hb, H * sizeof(T));
    }
  }
}

template <class T>
void gru_backward(const Seq& s, bool reset_after, int rec, int act, const T* u, const T* mask, const T* h0,
                  const T* hs, const T* cache, const T* dhs, T* dxp, T* du, T* dub, T* dh0) {
  const size_t B = s.batch, S = s.steps, H = s.units, G = 3 * H, rows = B * S;
  const std::vector<T> prev = previous_states(hs, h0, s);
  std::vector<T> dhp_all(rows * G), dh(B * H, T(0)), dhp(B * G), dn(B * H), drh(B * H), back(B * H);
  std::vector<T> sz(H), sr(H), sn(H);
  std::vector<T> uh, dn_all;
  if (!reset_after) {
    uh = columns(u, H, G, 2 * H, H);
    dn_all.assign(rows * H, T(0));
  }
  for (size_t t = S; t-- > 0;) {
    for (size_t b = 0; b < B; ++b) {
      const size_t row = b * S + t;
      const T* c = cache + row * 4 * H;
      T* g = dh.data() + b * H;
      for (size_t j = 0; j < H; ++j) g[j] += dhs[row * H + j];
      T* d = dhp.data() + b * G;
      T* dnb = dn.data() + b * H;
      if (masked(mask, row)) {
        std::fill(d, d + G, T(0));
        std::fill(dnb, dnb + H, T(0));
        continue;
      }
      const T *z = c, *r = c + H, *n = c + 2 * H, *hn = c + 3 * H;
      const T* hp = prev.data() + row * H;
      slope_into<T>(rec, H, z, sz.data());
      slope_into<T>(rec, H, r, sr.data());
      slope_into<T>(act, H, n, sn.data());
      // h = z h_prev + (1 - z) n
      for (size_t j = 0; j < H; ++j) {
        d[j] = g[j] * (hp[j] - n[j]) * sz[j];
        dnb[j] = g[j] * (T(1) - z[j]) * sn[j];
      }
      if (reset_after) {
        for (size_t j = 0; j < H; ++j) {
          d[H + j] = dnb[j] * hn[j] * sr[j];
          d[2 * H + j] = dnb[j] * r[j];
        }
      } else {
        std::fill(d + 2 * H, d + G, T(0));
      }
    }
    if (!reset_after) {
      // n = act(xp_h + (r h_prev) U_h): the gradient of r h_prev, then r's.
      product<T>(false, true, B, H, H, dn.data(), uh.data(), drh.data());
      for (size_t b = 0; b < B; ++b) {
        const size_t row = b * S + t;
        T* d = dhp.data() + b * G;
        if (!masked(mask, row)) {
          const T* hp = prev.data() + row * H;
          slope_into<T>(rec, H, cache + row * 4 * H + H, sr.data());
          for (size_t j = 0; j < H; ++j) d[H + j] = drh[b * H + j] * hp[j] * sr[j];
        }
        std::memcpy(dn_all.data() + row * H, dn.data() + b * H, H * sizeof(T));
      }
    }
    product<T>(false, true, B, H, G, dhp.data(), u, back.data());
    for (size_t b = 0; b < B; ++b) {
      const size_t row = b * S + t;
      T* x = dxp + row * G;
      const T* d = dhp.data() + b * G;
      std::memcpy(x, d, 2 * H * sizeof(T));
      std::memcpy(x + 2 * H, dn.data() + b * H, H * sizeof(T));
      std::memcpy(dhp_all.data() + row * G, d, G * sizeof(T));
      if (masked(mask, row)) continue;  // the state passed through unchanged: so does its gradient
      const T* c = cache + row * 4 * H;
      T* g = dh.data() + b * H;
      const T* bk = back.data() + b * H;
      if (reset_after) {
        for (size_t j = 0; j < H; ++j) g[j] = g[j] * c[j] + bk[j];
      } else {
        const T* dr = drh.data() + b * H;
        for (size_t j = 0; j < H; ++j) g[j] = g[j] * c[j] + bk[j] + dr[j] * c[H + j];
      }
    }
  }
  if (dh0 != nullptr) std::memcpy(dh0, dh.data(), B * H * sizeof(T));
  product<T>(true, false, H, G, rows, prev.data(), dhp_all.data(), du);
  if (!reset_after) {
    // U_h multiplies r * h_prev (cached), not h_prev.
    const std::vector<T> rh_all = columns(cache, rows, 4 * H, 3 * H, H);
    std::vector<T> duh(H * H);
    product<T>(true, false, H, H, rows, rh_all.data(), dn_all.data(), duh.data());
    for (size_t i = 0; i < H; ++i) std::memcpy(du + i * G + 2 * H, duh.data() + i * H, H * sizeof(T));
  }
  if (dub != nullptr) {
    std::vector<double> acc(G, 0.0);
    for (size_t r = 0; r < rows; ++r)
      for (size_t j = 0; j < G; ++j) acc[j] += static_cast<double>(dhp_all[r * G + j]);
    for (size_t j = 0; j < G; ++j) dub[j] = static_cast<T>(acc[j]);
  }
}

// ---- LSTM (gates i, f, c, o); cache row: i, f, g, o after their activations

template <class T>
void lstm_forward(const Seq& s, int rec, int act, const T* xp, const T* u, const T* mask, const T* h0, const T* c0,
                  T* hs, T* cs, T* cache) {
  const size_t B = s.batch, S = s.steps, H = s.units, G = 4 * H;
  std::vector<T> h = initial_state(h0, s);
  std::vector<T> cell = initial_state(c0, s);
  std::vector<T> hp(B * G), tc(H);
  for (size_t t = 0; t < S; ++t) {
    product<T>(false, false, B, G, H, h.data(), u, hp.data());
    for (size_t b = 0; b < B; ++b) {
      const size_t row = b * S + t;
      T* k = cache + row * G;
      T* hb = h.data() + b * H;
      T* cb = cell.data() + b * H;
      if (masked(mask, row)) {
        std::fill(k, k + G, T(0));
      } else {
        T* p = hp.data() + b * G;
        const T* x = xp + row * G;
        for (size_t j = 0; j < G; ++j) p[j] += x[j];
        activate_into<T>(rec, 2 * H, p, k);
        activate_into<T>(act, H, p + 2 * H, k + 2 * H);
        activate_into<T>(rec, H, p + 3 * H, k + 3 * H);
        for (size_t j = 0; j < H; ++j) cb[j] = k[H + j] * cb[j] + k[j] * k[2 * H + j];
        activate_into<T>(act, H, cb, tc.data());
        for (size_t j = 0; j < H; ++j) hb[j] = k[3 * H + j] * tc[j];
      }
      std::memcpy(hs + row * H, hb, H * sizeof(T));
      std::memcpy(cs + row * H, cb, H * sizeof(T));
    }
  }
}

template <class T>
void lstm_backward(const Seq& s, int rec, int act, const T* u, const T* mask, const T* h0, const T* c0, const T* hs,
                   const T* cs, const T* cache, const T* dhs, T* dxp, T* du, T* dh0, T* dc0) {
  const size_t B = s.batch, S = s.steps, H = s.units, G = 4 * H, rows = B * S;
  const std::vector<T> prev_c = previous_states(cs, c0, s);
  std::vector<T> dh(B * H, T(0)), dc(B * H, T(0)), dhp(B * G), back(B * H);
  std::vector<T> tc(H), stc(H), sg(2 * H), sgg(H), so(H);
  for (size_t t = S; t-- > 0;) {
    for (size_t b = 0; b < B; ++b) {
      const size_t row = b * S + t;
      T* gh = dh.data() + b * H;
      for (size_t j = 0; j < H; ++j) gh[j] += dhs[row * H + j];
      T* d = dhp.data() + b * G;
      if (masked(mask, row)) {
        std::fill(d, d + G, T(0));
        continue;
      }
      const T* k = cache + row * G;
      const T *i = k, *f = k + H, *g = k + 2 * H, *o = k + 3 * H;
      const T* pc = prev_c.data() + row * H;
      T* gc = dc.data() + b * H;
      activate_into<T>(act, H, cs + row * H, tc.data());
      slope_into<T>(act, H, tc.data(), stc.data());
      slope_into<T>(rec, 2 * H, i, sg.data());  // i and f
      slope_into<T>(act, H, g, sgg.data());
      slope_into<T>(rec, H, o, so.data());
      for (size_t j = 0; j < H; ++j) {
        const T c = gc[j] + gh[j] * o[j] * stc[j];
        d[j] = c * g[j] * sg[j];
        d[H + j] = c * pc[j] * sg[H + j];
        d[2 * H + j] = c * i[j] * sgg[j];
        d[3 * H + j] = gh[j] * tc[j] * so[j];
        gc[j] = c * f[j];
      }
    }
    product<T>(false, true, B, H, G, dhp.data(), u, back.data());
    for (size_t b = 0; b < B; ++b) {
      const size_t row = b * S + t;
      std::memcpy(dxp + row * G, dhp.data() + b * G, G * sizeof(T));
      if (masked(mask, row)) continue;  // h and c passed through: so do their gradients
      std::memcpy(dh.data() + b * H, back.data() + b * H, H * sizeof(T));
    }
  }
  if (dh0 != nullptr) std::memcpy(dh0, dh.data(), B * H * sizeof(T));
  if (dc0 != nullptr) std::memcpy(dc0, dc.data(), B * H * sizeof(T));
  const std::vector<T> prev = previous_states(hs, h0, s);
  product<T>(true, false, H, G, rows, prev.data(), dxp, du);
}

}  // namespace tg
