// bfloat16 products with float32 accumulation: see include/StenoBFloat16.h.
//
// Layouts. k is taken in pairs (a 32-bit word holds elements 2p and 2p + 1, low half first), the unit
// `vdpbf16ps` multiplies: each 32-bit lane of its result gains a[2p]·b[2p] + a[2p+1]·b[2p+1].
//   A: row-major, a row of ⌈k/2⌉ words (packing a row-major operand is a conversion); or, for
//      op(A) = Aᵀ, pair-major: ⌈k/2⌉ rows of m words (interleaving two rows of the stored A).
//   B: panels of 16 columns; panel s holds, for each pair p, the 16 words of columns 16s … 16s + 15
//      (one 512-bit vector).
// The vectorized product keeps a block of up to 12 rows × 32 columns of C in 24 registers and, for
// each pair, broadcasts one word of A per row against two vectors of B.
#include "StenoBFloat16.h"

#include <string.h>

#if defined(__x86_64__)
#include <immintrin.h>
#define STENO_BF16_X86 1
#endif

enum { PANEL_ROWS = 12, PANEL_COLUMNS = 16, BLOCK_PAIRS = 128, BLOCK_ROWS = 96 };   // rows per block of C

static int has_bf16 = 0;

__attribute__((constructor)) static void detect_bf16(void) {
#ifdef STENO_BF16_X86
    __builtin_cpu_init();
    has_bf16 = __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw")
        && __builtin_cpu_supports("avx512vl") && __builtin_cpu_supports("avx512bf16");
#endif
}

int steno_bf16_vectorized(void) { return has_bf16; }

static inline int pairs_of(int k) { return (k + 1) / 2; }
static inline int min_int(int a, int b) { return a < b ? a : b; }

// float32 → bfloat16, rounding to nearest even; NaN stays NaN (quiet).
static inline uint16_t to_bf16(float value) {
    uint32_t bits;
    memcpy(&bits, &value, 4);
    if ((bits & 0x7fffffffu) > 0x7f800000u) return (uint16_t)((bits >> 16) | 0x40);
    bits += 0x7fffu + ((bits >> 16) & 1u);
    return (uint16_t)(bits >> 16);
}

static inline float from_bf16(uint16_t half) {
    uint32_t bits = (uint32_t)half << 16;
    float value;
    memcpy(&value, &bits, 4);
    return value;
}

size_t steno_bf16_a_count(int m, int k) { return (size_t)m * pairs_of(k) * 2; }

size_t steno_bf16_b_count(int k, int n) {
    size_t panels = ((size_t)n + PANEL_COLUMNS - 1) / PANEL_COLUMNS;
    return panels * PANEL_COLUMNS * (size_t)pairs_of(k) * 2;
}

// Index of word (column j, pair p) in packed B.
static inline size_t b_word(int j, int p, int pairs) {
    return ((size_t)(j / PANEL_COLUMNS) * pairs + p) * PANEL_COLUMNS + (size_t)(j % PANEL_COLUMNS);
}

// Index of word (row i, pair p) in packed A, row-major or pair-major.
static inline size_t a_word(int i, int p, int m, int pairs, int pair_major) {
    return pair_major ? (size_t)p * m + i : (size_t)i * pairs + p;
}

static void portable_pack_a(const float *a, int lda, int transposed, int m, int k, uint16_t *packed) {
    int pairs = pairs_of(k);
    if (k & 1)
        for (int i = 0; i < m; i++) packed[2 * a_word(i, pairs - 1, m, pairs, transposed) + 1] = 0;
    for (int i = 0; i < m; i++)
        for (int kk = 0; kk < k; kk++)
            packed[2 * a_word(i, kk / 2, m, pairs, transposed) + (kk & 1)] = to_bf16(transposed ? a[(size_t)kk * lda + i] : a[(size_t)i * lda + kk]);
}

static void portable_pack_b(const float *b, int ldb, int transposed, int k, int n, uint16_t *packed) {
    int pairs = pairs_of(k);
    memset(packed, 0, steno_bf16_b_count(k, n) * sizeof(uint16_t));
    for (int j = 0; j < n; j++)
        for (int kk = 0; kk < k; kk++)
            packed[2 * b_word(j, kk / 2, pairs) + (kk & 1)] = to_bf16(transposed ? b[(size_t)j * ldb + kk] : b[(size_t)kk * ldb + j]);
}

// ---- Portable product -------------------------------------------------------------------------

static void portable_product(const uint16_t *pa, int pair_major, const uint16_t *pb, int m, int n, int k, float *c, int ldc, int accumulate) {
    int pairs = pairs_of(k);
    for (int i = 0; i < m; i++) {
        for (int j = 0; j < n; j++) {
            float sum = 0;
            for (int p = 0; p < pairs; p++) {
                const uint16_t *a = pa + 2 * a_word(i, p, m, pairs, pair_major), *b = pb + 2 * b_word(j, p, pairs);
                sum += from_bf16(a[0]) * from_bf16(b[0]) + from_bf16(a[1]) * from_bf16(b[1]);
            }
            float *out = c + (size_t)i * ldc + j;
            *out = accumulate ? *out + sum : sum;
        }
    }
}

// ---- AVX512_BF16 product ----------------------------------------------------------------------

#ifdef STENO_BF16_X86
#define BF16 __attribute__((target("avx512f,avx512bw,avx512vl,avx512bf16")))

// C [rows, ≤ 32] (+)= rows of A · one or two panels of B over `pairs` pairs. A's words of a row are
// consecutive and its rows `stride` words apart, or (pair-major) its rows consecutive and its pairs
// `stride` apart. `rows`, `two` and `pair_major` are constants at every call (the dispatch below), so
// the accumulators stay in registers.
BF16 static inline __attribute__((always_inline)) void block(
    int rows, int two, int pair_major, const uint32_t *a, size_t stride, const uint32_t *b0, const uint32_t *b1, int pairs,
    float *c, int ldc, __mmask16 mask0, __mmask16 mask1, int load) {
    __m512 sum0[PANEL_ROWS], sum1[PANEL_ROWS];
    _Pragma("clang loop unroll(full)") for (int r = 0; r < rows; r++) {
        sum0[r] = load ? _mm512_maskz_loadu_ps(mask0, c + (size_t)r * ldc) : _mm512_setzero_ps();
        if (two) sum1[r] = load ? _mm512_maskz_loadu_ps(mask1, c + (size_t)r * ldc + 16) : _mm512_setzero_ps();
    }
    for (int p = 0; p < pairs; p++) {
        __m512bh x0 = (__m512bh)_mm512_load_si512((const void *)(b0 + (size_t)p * PANEL_COLUMNS));
        __m512bh x1 = two ? (__m512bh)_mm512_load_si512((const void *)(b1 + (size_t)p * PANEL_COLUMNS)) : x0;
        _Pragma("clang loop unroll(full)") for (int r = 0; r < rows; r++) {
            uint32_t word = pair_major ? a[(size_t)p * stride + r] : a[(size_t)r * stride + p];
            __m512bh w = (__m512bh)_mm512_set1_epi32((int)word);
            sum0[r] = _mm512_dpbf16_ps(sum0[r], w, x0);
            if (two) sum1[r] = _mm512_dpbf16_ps(sum1[r], w, x1);
        }
    }
    _Pragma("clang loop unroll(full)") for (int r = 0; r < rows; r++) {
        _mm512_mask_storeu_ps(c + (size_t)r * ldc, mask0, sum0[r]);
        if (two) _mm512_mask_storeu_ps(c + (size_t)r * ldc + 16, mask1, sum1[r]);
    }
}


// The first `count` of 16 lanes (none when count ≤ 0, all when count ≥ 16).
static inline __mmask16 lanes(int count) {
    return count >= 16 ? (__mmask16)0xffff : (__mmask16)((1u << (count > 0 ? count : 0)) - 1);
}

// Words (x[j], y[j]) for j < 16 (columns past `count` zero): two rows' elements interleaved in pairs.
BF16 static inline __m512i interleave_rows(const float *x, const float *y, int count) {
    __mmask16 mask = lanes(count);
    __m512 low = _mm512_maskz_loadu_ps(mask, x);
    __m512 high = y ? _mm512_maskz_loadu_ps(mask, y) : _mm512_setzero_ps();
    __m512i both = (__m512i)_mm512_cvtne2ps_pbh(high, low);   // x[0..15], then y[0..15]
    const __m512i order = _mm512_set_epi16(31, 15, 30, 14, 29, 13, 28, 12, 27, 11, 26, 10, 25, 9, 24, 8,
                                           23, 7, 22, 6, 21, 5, 20, 4, 19, 3, 18, 2, 17, 1, 16, 0);
    return _mm512_permutexvar_epi16(order, both);
}

// `count` (≤ 16) floats as bfloat16, in order.
BF16 static inline void convert_row(const float *x, int count, uint16_t *out) {
    __mmask16 mask = lanes(count);
    __m256i half = (__m256i)_mm512_cvtneps_pbh(_mm512_maskz_loadu_ps(mask, x));
    _mm256_mask_storeu_epi16(out, mask, half);
}

BF16 static void vector_pack_a(const float *a, int lda, int transposed, int m, int k, uint16_t *packed) {
    int pairs = pairs_of(k);
    if (!transposed) {
        for (int i = 0; i < m; i++) {
            uint16_t *row = packed + (size_t)i * pairs * 2;
            for (int kk = 0; kk < k; kk += 16) convert_row(a + (size_t)i * lda + kk, min_int(16, k - kk), row + kk);
            if (k & 1) row[k] = 0;
        }
        return;
    }
    // A is [k, m]: rows 2p and 2p + 1 interleaved give pair p's row of m words.
    uint32_t *words = (uint32_t *)packed;
    for (int p = 0; p < pairs; p++) {
        const float *next = 2 * p + 1 < k ? a + (size_t)(2 * p + 1) * lda : NULL;
        for (int i = 0; i < m; i += 16) {
            int count = min_int(16, m - i);
            __m512i pair = interleave_rows(a + (size_t)(2 * p) * lda + i, next ? next + i : NULL, count);
            _mm512_mask_storeu_epi32(words + (size_t)p * m + i, lanes(count), pair);
        }
    }
}

BF16 static void vector_pack_b(const float *b, int ldb, int transposed, int k, int n, uint16_t *packed) {
    int pairs = pairs_of(k);
    uint32_t *words = (uint32_t *)packed;
    if (!transposed) {
        // B is [k, n]: rows 2p and 2p + 1 interleaved give a panel's vector for pair p.
        for (int j = 0; j < n; j += PANEL_COLUMNS)
            for (int p = 0; p < pairs; p++) {
                const float *next = 2 * p + 1 < k ? b + (size_t)(2 * p + 1) * ldb + j : NULL;
                _mm512_store_si512((void *)(words + b_word(j, p, pairs)), interleave_rows(b + (size_t)(2 * p) * ldb + j, next, min_int(PANEL_COLUMNS, n - j)));
            }
        return;
    }
    // B is [n, k]: a row's pairs are its words in order; convert 16 rows at a time, then place them.
    uint16_t tile[PANEL_COLUMNS][32] __attribute__((aligned(64)));
    size_t panels = ((size_t)n + PANEL_COLUMNS - 1) / PANEL_COLUMNS;
    for (size_t s = 0; s < panels; s++) {
        int j0 = (int)s * PANEL_COLUMNS, columns = min_int(PANEL_COLUMNS, n - j0);
        for (int p0 = 0; p0 < pairs; p0 += 16) {
            int count = min_int(16, pairs - p0);
            memset(tile, 0, sizeof tile);
            for (int c = 0; c < columns; c++) {
                const float *row = b + (size_t)(j0 + c) * ldb + 2 * p0;
                int values = min_int(32, k - 2 * p0);
                convert_row(row, min_int(16, values), tile[c]);
                if (values > 16) convert_row(row + 16, values - 16, tile[c] + 16);
            }
            const uint32_t (*tileWords)[16] = (const uint32_t (*)[16])tile;
            for (int q = 0; q < count; q++)
                for (int c = 0; c < PANEL_COLUMNS; c++) words[b_word(j0, p0 + q, pairs) + c] = tileWords[c][q];
        }
    }
}

#define BLOCK_CASE(R)                                                                          \
    case R:                                                                                    \
        if (two && pair_major) block(R, 1, 1, a, stride, b0, b1, pairs, c, ldc, mask0, mask1, load); \
        else if (two) block(R, 1, 0, a, stride, b0, b1, pairs, c, ldc, mask0, mask1, load);     \
        else if (pair_major) block(R, 0, 1, a, stride, b0, b1, pairs, c, ldc, mask0, mask1, load); \
        else block(R, 0, 0, a, stride, b0, b1, pairs, c, ldc, mask0, mask1, load);              \
        break;

BF16 static void dispatch(int rows, int two, int pair_major, const uint32_t *a, size_t stride, const uint32_t *b0, const uint32_t *b1, int pairs,
                          float *c, int ldc, __mmask16 mask0, __mmask16 mask1, int load) {
    switch (rows) {
        BLOCK_CASE(1) BLOCK_CASE(2) BLOCK_CASE(3) BLOCK_CASE(4) BLOCK_CASE(5) BLOCK_CASE(6)
        BLOCK_CASE(7) BLOCK_CASE(8) BLOCK_CASE(9) BLOCK_CASE(10) BLOCK_CASE(11) BLOCK_CASE(12)
        default: break;
    }
}


// Blocked over pairs of k (B's strip of 2 panels × BLOCK_PAIRS words, 16 KB, stays in L1 across a
// block of BLOCK_ROWS rows of A, whose words for the block stay in L2 across the strips).
BF16 static void vector_product(const uint16_t *pa, int pair_major, const uint16_t *pb, int m, int n, int k, float *c, int ldc, int accumulate) {
    int pairs = pairs_of(k);
    const uint32_t *A = (const uint32_t *)pa, *B = (const uint32_t *)pb;
    for (int p0 = 0; p0 < pairs; p0 += BLOCK_PAIRS) {
        int count = min_int(BLOCK_PAIRS, pairs - p0);
        int load = accumulate || p0 > 0;
        for (int i0 = 0; i0 < m; i0 += BLOCK_ROWS) {
            int i1 = min_int(m, i0 + BLOCK_ROWS);
            for (int j0 = 0; j0 < n; j0 += 2 * PANEL_COLUMNS) {
                int columns = min_int(2 * PANEL_COLUMNS, n - j0);
                const uint32_t *b0 = B + ((size_t)(j0 / PANEL_COLUMNS) * pairs + p0) * PANEL_COLUMNS;
                const uint32_t *b1 = b0 + (size_t)pairs * PANEL_COLUMNS;
                for (int i = i0; i < i1; i += PANEL_ROWS) {
                    dispatch(min_int(PANEL_ROWS, m - i), columns > PANEL_COLUMNS, pair_major, A + a_word(i, p0, m, pairs, pair_major),
                             pair_major ? (size_t)m : (size_t)pairs, b0, b1, count,
                             c + (size_t)i * ldc + j0, ldc, lanes(columns), lanes(columns - PANEL_COLUMNS), load);
                }
            }
        }
    }
}
#endif

void steno_bf16_pack_a(int vectorized, const float *a, int lda, int transposed, int m, int k, uint16_t *packed) {
#ifdef STENO_BF16_X86
    if (vectorized && has_bf16) { vector_pack_a(a, lda, transposed, m, k, packed); return; }
#endif
    portable_pack_a(a, lda, transposed, m, k, packed);
}

void steno_bf16_pack_b(int vectorized, const float *b, int ldb, int transposed, int k, int n, uint16_t *packed) {
#ifdef STENO_BF16_X86
    if (vectorized && has_bf16) { vector_pack_b(b, ldb, transposed, k, n, packed); return; }
#endif
    portable_pack_b(b, ldb, transposed, k, n, packed);
}

void steno_bf16_product(int vectorized, const uint16_t *packed_a, int a_transposed, const uint16_t *packed_b, int m, int n, int k,
                        float *c, int ldc, int accumulate) {
    if (m <= 0 || n <= 0) return;
    if (k <= 0) {
        if (!accumulate)
            for (int i = 0; i < m; i++) memset(c + (size_t)i * ldc, 0, (size_t)n * sizeof(float));
        return;
    }
#ifdef STENO_BF16_X86
    if (vectorized && has_bf16) {
        vector_product(packed_a, a_transposed, packed_b, m, n, k, c, ldc, accumulate);
        return;
    }
#endif
    portable_product(packed_a, a_transposed, packed_b, m, n, k, c, ldc, accumulate);
}
