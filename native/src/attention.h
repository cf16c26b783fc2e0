// Fused causal attention with grouped-query heads (attention.cc). q, out: [B*Tq, nH*hd]; k, v: [B*Tk, nKv*hd];
// query head h reads kv head h / (nH / nKv). Query row r sits at position Tk - Tq + r and sees keys 0..Tk-Tq+r
// (Tq = Tk in training; Tq = 1 for one decoding step against a cache of Tk keys). lse: [B, nH, Tq], the
// log-sum-exp of each row's scaled scores, kept for the backward pass (may be null when no backward follows).
#pragma once

template <typename T>
void attentionForward(const T* q, const T* k, const T* v, T* out, T* lse, int B, int Tq, int Tk, int nH, int nKv,
                      int hd);
// Training shape (Tq = Tk = T). Adds into dq, dk, dv; out and lse are the forward's.
template <typename T>
void attentionBackward(const T* dout, const T* q, const T* k, const T* v, const T* out, const T* lse, T* dq, T* dk,
                       T* dv, int B, int T_, int nH, int nKv, int hd);
