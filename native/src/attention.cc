// Fused causal attention, FlashAttention-2 style: queries and keys in tiles of BLK rows, the softmax computed
// online, so no T x T matrix is ever stored (extra memory: one log-sum-exp per query row, O(T)), and tiles
// above the diagonal are never computed (the causal half is skipped, not masked after the fact).
//
// Forward, per (batch, head, query tile i), over key tiles j <= i, with S = scale * Q_i K_j^T:
//   m' = max(m, rowmax S);  P = exp(S - m');  l = l * exp(m - m') + rowsum P;  O = O * exp(m - m') + P V_j
// and at the end O /= l, lse = m + log l (kept for the backward pass).
// Backward, per (batch, head, key tile j), over query tiles i >= j, with P = exp(S - lse) recomputed:
//   dV_j += P^T dO_i;  dP = dO_i V_j^T;  dS = P * (dP - D_i) * scale, D_i = rowsum(dO_i * O_i);
//   dQ_i += dS K_j;  dK_j += dS^T Q_i.
// The tile products are unpacked small GEMMs (tile-gemm.h) on the calling thread, all in NN form: each task first
// copies its head's K (and V, for the backward) transposed, tile by tile, so Q K^T and dO V^T read rows; P and dS
// tiles are transposed (64 x 64, cheap) for P^T dO and dS^T Q. The parallel loop is over (batch, head).
#include "attention.h"

#include <omp.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <vector>

#include "fast-exp.h"
#include "tile-gemm.h"

namespace {

// Tile rows for queries and keys. 64 keeps a tile's S, P and O (64 x 64 each for head size 64) in L1/L2, and the
// diagonal tiles waste only 1/(2 x tiles per row) of the work.
constexpr int BLK = 64;

// Work below this many multiply-adds stays on one thread (see gemm.cc: waking the pool costs more than it saves).
constexpr double PARALLEL_MIN_MACS = 1.5e6;

// K's rows [0, n) of one head, transposed tile by tile: tile j is [hd, BLK] at Kt + j * hd * BLK (row d holds
// dimension d of the tile's keys). Per tile, not one [hd, n] block: with rows n floats apart (4 KB at n = 1,024)
// every write of a column lands in the same cache set, and the copy took half of the backward pass.
template <typename T>
void transposeHead(const T* K, int kw, int n, int hd, T* Kt) {
  for (int t = 0; t < n; t++) {
    T* dst = Kt + (size_t)(t / BLK) * hd * BLK + t % BLK;
    const T* src = K + (size_t)t * kw;
    for (int d = 0; d < hd; d++) dst[(size_t)d * BLK] = src[d];
  }
}

inline size_t tiledSize(int n, int hd) {
  return (size_t)((n + BLK - 1) / BLK) * hd * BLK;
}

template <typename T>
void transposeTile(const T* X, int rows, int cols, T* Xt) {  // X[rows, BLK] -> Xt[cols, BLK]
  for (int r = 0; r < rows; r++)
    for (int c = 0; c < cols; c++) Xt[(size_t)c * BLK + r] = X[(size_t)r * BLK + c];
}

}  // namespace

template <typename T>
void attentionForward(const T* q, const T* k, const T* v, T* out, T* lse, int B, int Tq, int Tk, int nH, int nKv,
                      int hd) {
  const int group = nH / nKv;
  const int qw = nH * hd, kw = nKv * hd;
  const int qOff = Tk - Tq;  // absolute position of query row 0: row r sees keys 0..qOff + r
  const T scale = T(1) / std::sqrt(T(hd));
  const double macs = (double)B * nH * Tq * (qOff + Tq / 2.0 + 1) * hd * 2;
  const bool par = macs > PARALLEL_MIN_MACS && !omp_in_parallel();
#pragma omp parallel if (par)
  {
    std::vector<T> S((size_t)BLK * BLK), O((size_t)BLK * hd), m(BLK), l(BLK), Kt(tiledSize(Tk, hd));
    // Tasks are (batch, head), all of equal work. Each output row is computed by one task in a fixed key order,
    // so results do not depend on the schedule or the thread count.
#pragma omp for schedule(static)
    for (int bh = 0; bh < B * nH; bh++) {
      const int b = bh / nH, h = bh % nH;
      const int kh = h / group;
      const T* K = k + (size_t)b * Tk * kw + kh * hd;
      const T* V = v + (size_t)b * Tk * kw + kh * hd;
      transposeHead(K, kw, Tk, hd, Kt.data());
      for (int r0 = 0; r0 < Tq; r0 += BLK) {
        const int br = std::min(BLK, Tq - r0);
        const T* Qi = q + ((size_t)b * Tq + r0) * qw + h * hd;
        std::fill(O.begin(), O.end(), T(0));
        std::fill(m.begin(), m.end(), -std::numeric_limits<T>::infinity());
        std::fill(l.begin(), l.end(), T(0));
        const int kEnd = qOff + r0 + br;  // keys 0..kEnd-1 are seen by some row of this tile
        for (int c0 = 0; c0 < kEnd; c0 += BLK) {
          const int bc = std::min(BLK, kEnd - c0);
          tileGemmNN<T>(br, bc, hd, scale, Qi, qw, Kt.data() + (size_t)c0 * hd, BLK, false, S.data(), BLK);
          for (int r = 0; r < br; r++) {
            T* s = S.data() + (size_t)r * BLK;
            const int n = std::min(bc, qOff + r0 + r + 1 - c0);  // keys of this tile row r may see
            if (n <= 0) {
              std::fill(s, s + bc, T(0));
              continue;
            }
            T mx = m[r];
#pragma omp simd reduction(max : mx)  // std::max in a plain loop stays scalar (NaN order); this vectorises
            for (int c = 0; c < n; c++) mx = s[c] > mx ? s[c] : mx;
            const T alpha = fastExp(m[r] - mx);  // ~0 on the first tile, where m = -inf and l, O are 0
            T sum = 0;
#pragma omp simd reduction(+ : sum)
            for (int c = 0; c < n; c++) {
              s[c] = fastExp(s[c] - mx);
              sum += s[c];
            }
            for (int c = n; c < bc; c++) s[c] = 0;
            m[r] = mx;
            l[r] = l[r] * alpha + sum;
            T* o = O.data() + (size_t)r * hd;
#pragma omp simd
            for (int d = 0; d < hd; d++) o[d] *= alpha;
          }
          tileGemmNN<T>(br, hd, bc, T(1), S.data(), BLK, V + (size_t)c0 * kw, kw, true, O.data(), hd);
        }
        for (int r = 0; r < br; r++) {
          const T inv = T(1) / l[r];
          T* dst = out + ((size_t)b * Tq + r0 + r) * qw + h * hd;
          const T* o = O.data() + (size_t)r * hd;
#pragma omp simd
          for (int d = 0; d < hd; d++) dst[d] = o[d] * inv;
          if (lse) lse[((size_t)b * nH + h) * Tq + r0 + r] = m[r] + std::log(l[r]);
        }
      }
    }
  }
}

template <typename T>
void attentionBackward(const T* dout, const T* q, const T* k, const T* v, const T* out, const T* lse, T* dq, T* dk,
                       T* dv, int B, int T_, int nH, int nKv, int hd) {
  const int group = nH / nKv;
  const int qw = nH * hd, kw = nKv * hd;
  const T scale = T(1) / std::sqrt(T(hd));
  // D_r = rowsum(dO_r * O_r) = rowsum(P_r * dP_r), per (batch, head, row).
  std::vector<T> Drow((size_t)B * nH * T_);
  // With grouped-query heads, the query heads of one kv head write their dK, dV to their own slices here, summed
  // afterwards in head order: no two tasks write the same memory, and the sum order is fixed.
  std::vector<T> dkvHead(group > 1 ? (size_t)2 * B * nH * T_ * hd : 0);
  const int kTiles = (T_ + BLK - 1) / BLK;
  const double macs = (double)B * nH * T_ * (T_ / 2.0 + 1) * hd * 5;
  const bool par = macs > PARALLEL_MIN_MACS && !omp_in_parallel();
#pragma omp parallel if (par)
  {
#pragma omp for schedule(static)
    for (int bh = 0; bh < B * nH; bh++) {
      const int b = bh / nH, h = bh % nH;
      for (int r = 0; r < T_; r++) {
        const T* o = out + ((size_t)b * T_ + r) * qw + h * hd;
        const T* g = dout + ((size_t)b * T_ + r) * qw + h * hd;
        T s = 0;
#pragma omp simd reduction(+ : s)
        for (int d = 0; d < hd; d++) s += o[d] * g[d];
        Drow[(size_t)bh * T_ + r] = s;
      }
    }
    std::vector<T> S((size_t)BLK * BLK), dP((size_t)BLK * BLK), St((size_t)BLK * BLK), dSt((size_t)BLK * BLK);
    std::vector<T> dKj((size_t)BLK * hd), dVj((size_t)BLK * hd), Kt(tiledSize(T_, hd)), Vt(tiledSize(T_, hd));
    // dQ rows are shared by every key tile of a head, so the key tiles of one (batch, head) run in order inside
    // one task: tasks are (batch, head), and each adds to its own dQ in a fixed tile order.
#pragma omp for schedule(dynamic, 1)
    for (int bh = 0; bh < B * nH; bh++) {
      const int b = bh / nH, h = bh % nH, kh = h / group;
      const T* Q = q + (size_t)b * T_ * qw + h * hd;
      const T* dO = dout + (size_t)b * T_ * qw + h * hd;
      T* dQ = dq + (size_t)b * T_ * qw + h * hd;
      const T* K = k + (size_t)b * T_ * kw + kh * hd;
      const T* V = v + (size_t)b * T_ * kw + kh * hd;
      const T* L = lse + (size_t)bh * T_;
      const T* Dr = Drow.data() + (size_t)bh * T_;
      transposeHead(K, kw, T_, hd, Kt.data());
      transposeHead(V, kw, T_, hd, Vt.data());
      for (int j = 0; j < kTiles; j++) {
        const int c0 = j * BLK, bc = std::min(BLK, T_ - c0);
        std::fill(dKj.begin(), dKj.end(), T(0));
        std::fill(dVj.begin(), dVj.end(), T(0));
        const T* Kj = K + (size_t)c0 * kw;
        for (int r0 = c0; r0 < T_; r0 += BLK) {
          const int br = std::min(BLK, T_ - r0);
          const T* Qi = Q + (size_t)r0 * qw;
          const T* dOi = dO + (size_t)r0 * qw;
          tileGemmNN<T>(br, bc, hd, scale, Qi, qw, Kt.data() + (size_t)c0 * hd, BLK, false, S.data(), BLK);
          tileGemmNN<T>(br, bc, hd, T(1), dOi, qw, Vt.data() + (size_t)c0 * hd, BLK, false, dP.data(), BLK);
          for (int r = 0; r < br; r++) {
            T* p = S.data() + (size_t)r * BLK;
            T* ds = dP.data() + (size_t)r * BLK;
            const int n = std::min(bc, r0 + r + 1 - c0);
            const T lr = L[r0 + r], dr = Dr[r0 + r];
#pragma omp simd
            for (int c = 0; c < n; c++) {
              p[c] = fastExp(p[c] - lr);
              ds[c] = p[c] * (ds[c] - dr) * scale;
            }
            for (int c = n; c < bc; c++) p[c] = ds[c] = 0;
          }
          transposeTile(S.data(), br, bc, St.data());
          transposeTile(dP.data(), br, bc, dSt.data());
          tileGemmNN<T>(bc, hd, br, T(1), St.data(), BLK, dOi, qw, true, dVj.data(), hd);
          tileGemmNN<T>(br, hd, bc, T(1), dP.data(), BLK, Kj, kw, true, dQ + (size_t)r0 * qw, qw);
          tileGemmNN<T>(bc, hd, br, T(1), dSt.data(), BLK, Qi, qw, true, dKj.data(), hd);
        }
        // Group of 1: this task owns the kv head's rows, add straight into dk/dv; otherwise into its own slice.
        T* dKdst = group == 1 ? dk + ((size_t)b * T_ + c0) * kw + kh * hd
                              : dkvHead.data() + ((size_t)bh * T_ + c0) * hd;
        T* dVdst = group == 1 ? dv + ((size_t)b * T_ + c0) * kw + kh * hd
                              : dkvHead.data() + ((size_t)(B * nH + bh) * T_ + c0) * hd;
        const int ld = group == 1 ? kw : hd;
        for (int c = 0; c < bc; c++)
          for (int d = 0; d < hd; d++) {
            dKdst[(size_t)c * ld + d] += dKj[(size_t)c * hd + d];
            dVdst[(size_t)c * ld + d] += dVj[(size_t)c * hd + d];
          }
      }
    }
  }
  if (group > 1) {
    for (int b = 0; b < B; b++)
      for (int h = 0; h < nH; h++) {
        const int kh = h / group;
        const T* sk = dkvHead.data() + ((size_t)b * nH + h) * T_ * hd;
        const T* sv = dkvHead.data() + ((size_t)(B * nH + b * nH + h)) * T_ * hd;
        for (int r = 0; r < T_; r++) {
          T* dkr = dk + ((size_t)b * T_ + r) * kw + kh * hd;
          T* dvr = dv + ((size_t)b * T_ + r) * kw + kh * hd;
#pragma omp simd
          for (int d = 0; d < hd; d++) {
            dkr[d] += sk[(size_t)r * hd + d];
            dvr[d] += sv[(size_t)r * hd + d];
          }
        }
      }
  }
}

#define INSTANTIATE(T)                                                                                           \
  template void attentionForward<T>(const T*, const T*, const T*, T*, T*, int, int, int, int, int, int);         \
  template void attentionBackward<T>(const T*, const T*, const T*, const T*, const T*, const T*, T*, T*, T*, int, \
                                     int, int, int, int);

INSTANTIATE(float)
INSTANTIATE(double)
