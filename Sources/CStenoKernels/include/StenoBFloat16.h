// Matrix products with bfloat16 operands and float32 accumulation, for training (the data-parallel
// issue's "bfloat16 products"): C [m, n] = op(A) [m, k] · op(B) [k, n] (+ C), where each operand is
// rounded to bfloat16 (round to nearest even) as it is packed and the products are summed in float32.
// On a CPU with AVX512_BF16 the product runs `vdpbf16ps`; elsewhere a portable version computes the
// same sums (the products of two bfloat16 values are exact in float32; only the order of the float32
// additions differs). Both operands are packed first, so a weight matrix used for many products (a
// recurrent layer's, at every step of a pass) is packed once. Swift reaches these only through
// StenoNN's BFloat16Product.swift.
#ifndef STENO_BFLOAT16_H
#define STENO_BFLOAT16_H

#include <stddef.h>
#include <stdint.h>

/// 1 when this CPU has AVX512_BF16 (with AVX-512 F, BW and VL), so the vectorized product can run.
int steno_bf16_vectorized(void);

/// bfloat16 elements (uint16) of op(A) `[m, k]` packed by steno_bf16_pack_a.
size_t steno_bf16_a_count(int m, int k);
/// Packs op(A) `[m, k]` as bfloat16 with k rounded up to even (the padding is zero): A is row-major
/// with leading dimension `lda`, `[m, k]`, or when `transposed` is nonzero `[k, m]` (op(A) = Aᵀ; the
/// packed layout differs, so the product is told). `packed` holds steno_bf16_a_count(m, k) elements.
/// `vectorized` as for the product.
void steno_bf16_pack_a(int vectorized, const float *a, int lda, int transposed, int m, int k, uint16_t *packed);

/// bfloat16 elements of op(B) `[k, n]` packed by steno_bf16_pack_b.
size_t steno_bf16_b_count(int k, int n);
/// Packs op(B) `[k, n]` as bfloat16: B is row-major with leading dimension `ldb`, `[k, n]`, or when
/// `transposed` is nonzero `[n, k]` (op(B) = Bᵀ, a weight matrix W `[n, k]` in x·Wᵀ). Columns are
/// grouped in panels of 16, and each panel holds, for each pair of k, the 16 columns' pairs (32
/// values); padding is zero. `packed` holds steno_bf16_b_count(k, n) elements, 64-byte aligned.
void steno_bf16_pack_b(int vectorized, const float *b, int ldb, int transposed, int k, int n, uint16_t *packed);

/// C `[m, n]` (row-major, leading dimension `ldc`) = op(A) · op(B), or C + op(A) · op(B) when
/// `accumulate` is nonzero, from operands packed by steno_bf16_pack_a (with `a_transposed` as given
/// there) and steno_bf16_pack_b. With `accumulate` zero the old contents of C are never read.
void steno_bf16_product(int vectorized, const uint16_t *packed_a, int a_transposed, const uint16_t *packed_b, int m, int n, int k,
                        float *c, int ldc, int accumulate);

#endif
