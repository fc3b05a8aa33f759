// Steno's kernels: see include/StenoKernels.h. Every kernel has a portable version and an
// AVX2 + FMA version; each call's `vectorized` flag, and the CPU, choose which runs.
#include "StenoKernels.h"

#include <string.h>

#if defined(__x86_64__) || defined(__i386__)
#include <immintrin.h>
#define STENO_X86 1
#endif

// Whether the CPU has AVX2 and FMA, read once when the library loads (before any thread starts).
static int has_avx2_fma = 0;

__attribute__((constructor)) static void detect_cpu(void) {
#ifdef STENO_X86
    __builtin_cpu_init();
    has_avx2_fma = __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
#endif
}

int steno_kernels_vectorized(void) { return has_avx2_fma; }

size_t steno_packed_count(int rows, int columns) {
    size_t blocks = ((size_t)rows + STENO_PACK_ROWS - 1) / STENO_PACK_ROWS;
    return blocks * STENO_PACK_ROWS * (size_t)columns;
}

// Element (r, k) of the packed layout.
static inline size_t packed_index(int r, int k, int columns) {
    return ((size_t)(r / STENO_PACK_ROWS) * (size_t)columns + (size_t)k) * STENO_PACK_ROWS + (size_t)(r % STENO_PACK_ROWS);
}

void steno_pack_float(const float *weights, int rows, int columns, float *packed) {
    memset(packed, 0, steno_packed_count(rows, columns) * sizeof(float));
    for (int r = 0; r < rows; r++)
        for (int k = 0; k < columns; k++) packed[packed_index(r, k, columns)] = weights[(size_t)r * columns + k];
}

size_t steno_strips_count(int rows, int columns) {
    size_t strips = ((size_t)rows + STENO_STRIP_ROWS - 1) / STENO_STRIP_ROWS;
    return strips * STENO_STRIP_ROWS * (size_t)columns;
}

void steno_pack_strips(const float *weights, int rows, int columns, int transposed, float *packed) {
    memset(packed, 0, steno_strips_count(rows, columns) * sizeof(float));
    for (int r = 0; r < rows; r++)
        for (int k = 0; k < columns; k++) {
            size_t at = ((size_t)(r / STENO_STRIP_ROWS) * (size_t)columns + (size_t)k) * STENO_STRIP_ROWS + (size_t)(r % STENO_STRIP_ROWS);
            packed[at] = transposed ? weights[(size_t)k * rows + r] : weights[(size_t)r * columns + k];
        }
}

void steno_pack_int8(const int8_t *weights, int rows, int columns, int8_t *packed) {
    memset(packed, 0, steno_packed_count(rows, columns));
    for (int r = 0; r < rows; r++)
        for (int k = 0; k < columns; k++) packed[packed_index(r, k, columns)] = weights[(size_t)r * columns + k];
}

// ---- Portable kernels ----------------------------------------------------------------------------

// e^x as Swift's fastExp: x = n ln2 + r, e^r by a degree-6 polynomial, 2^n from the exponent bits;
// x clamped to [-87, 88]; NaN stays NaN.
static inline float portable_exp(float value) {
    float x = value > 88.0f ? 88.0f : value;
    x = x < -87.0f ? -87.0f : x;
    // Round x log2(e) to an integer with the 1.5 * 2^23 trick (no float-to-int conversion of NaN).
    const float shifter = 12582912.0f;
    float t = x * 1.44269504f + shifter;
    float n = t - shifter;
    uint32_t tBits, shifterBits;
    memcpy(&tBits, &t, 4);
    memcpy(&shifterBits, &shifter, 4);
    int32_t exponent = (int32_t)(tBits - shifterBits);
    float r = (x - n * 0.69314575f) - n * 1.4286068e-06f;
    float p = 1.0f / 720;
    p = p * r + 1.0f / 120;
    p = p * r + 1.0f / 24;
    p = p * r + 1.0f / 6;
    p = p * r + 0.5f;
    p = p * r + 1;
    p = p * r + 1;
    uint32_t bits = (uint32_t)(exponent + 127) << 23;
    float power;
    memcpy(&power, &bits, 4);
    return p * power;
}

static inline float portable_sigmoid(float x) { return 1 / (1 + portable_exp(-x)); }
static inline float portable_tanh(float x) { return 1 - 2 / (portable_exp(2 * x) + 1); }

static void portable_product_float(const float *packed, int rows, int columns, const float *x, float *y) {
    for (int first = 0; first < rows; first += STENO_PACK_ROWS) {
        float sums[STENO_PACK_ROWS] = {0};
        const float *block = packed + (size_t)(first / STENO_PACK_ROWS) * columns * STENO_PACK_ROWS;
        for (int k = 0; k < columns; k++)
            for (int i = 0; i < STENO_PACK_ROWS; i++) sums[i] += block[(size_t)k * STENO_PACK_ROWS + i] * x[k];
        int count = rows - first < STENO_PACK_ROWS ? rows - first : STENO_PACK_ROWS;
        for (int i = 0; i < count; i++) y[first + i] += sums[i];
    }
}

static void portable_product_strips(const float *packed, int rows, int columns, const float *x, int batch, float *y) {
    for (int first = 0; first < rows; first += STENO_STRIP_ROWS) {
        const float *strip = packed + (size_t)(first / STENO_STRIP_ROWS) * columns * STENO_STRIP_ROWS;
        int count = rows - first < STENO_STRIP_ROWS ? rows - first : STENO_STRIP_ROWS;
        for (int b = 0; b < batch; b++) {
            float sums[STENO_STRIP_ROWS] = {0};
            const float *xb = x + (size_t)b * columns;
            for (int k = 0; k < columns; k++)
                for (int i = 0; i < STENO_STRIP_ROWS; i++) sums[i] += strip[(size_t)k * STENO_STRIP_ROWS + i] * xb[k];
            for (int i = 0; i < count; i++) y[(size_t)b * rows + first + i] += sums[i];
        }
    }
}

static void portable_product_int8(const int8_t *packed, const float *scales, int rows, int columns, const float *x, float *y) {
    for (int first = 0; first < rows; first += STENO_PACK_ROWS) {
        float sums[STENO_PACK_ROWS] = {0};
        const int8_t *block = packed + (size_t)(first / STENO_PACK_ROWS) * columns * STENO_PACK_ROWS;
        for (int k = 0; k < columns; k++)
            for (int i = 0; i < STENO_PACK_ROWS; i++) sums[i] += (float)block[(size_t)k * STENO_PACK_ROWS + i] * x[k];
        int count = rows - first < STENO_PACK_ROWS ? rows - first : STENO_PACK_ROWS;
        for (int i = 0; i < count; i++) y[first + i] += scales[first + i] * sums[i];
    }
}

static void portable_lstm_cell(const float *x, const float *r, float *h, float *c, int first, int hidden) {
    for (int j = first; j < hidden; j++) {
        float i = portable_sigmoid(x[j] + r[j]);
        float f = portable_sigmoid(x[hidden + j] + r[hidden + j]);
        float g = portable_tanh(x[2 * hidden + j] + r[2 * hidden + j]);
        float o = portable_sigmoid(x[3 * hidden + j] + r[3 * hidden + j]);
        c[j] = f * c[j] + i * g;
        h[j] = o * portable_tanh(c[j]);
    }
}

static void portable_lstm_cell_forward(const float *x, const float *r, float mask, float *h, float *c,
                                       float *gates, float *cell_out, int first, int hidden) {
    for (int j = first; j < hidden; j++) {
        float i = portable_sigmoid(x[j] + r[j]);
        float f = portable_sigmoid(x[hidden + j] + r[hidden + j]);
        float g = portable_tanh(x[2 * hidden + j] + r[2 * hidden + j]);
        float o = portable_sigmoid(x[3 * hidden + j] + r[3 * hidden + j]);
        gates[j] = i; gates[hidden + j] = f; gates[2 * hidden + j] = g; gates[3 * hidden + j] = o;
        float cell = f * c[j] + i * g;
        cell_out[j] = cell;
        c[j] = cell * mask;
        h[j] = o * portable_tanh(cell) * mask;
    }
}

static void portable_lstm_cell_backward(const float *gates, const float *cell, const float *previous_cell,
                                        const float *dy, const float *dh_next, float *dc_next, float mask,
                                        float *d, int first, int hidden) {
    for (int j = first; j < hidden; j++) {
        // The output and the next step both read the masked state.
        float dh = (dy[j] + dh_next[j]) * mask;
        float i = gates[j], f = gates[hidden + j], g = gates[2 * hidden + j], o = gates[3 * hidden + j];
        float tc = portable_tanh(cell[j]);
        float dc = dc_next[j] * mask + dh * o * (1 - tc * tc);
        d[j] = dc * g * i * (1 - i);
        d[hidden + j] = dc * previous_cell[j] * f * (1 - f);
        d[2 * hidden + j] = dc * i * (1 - g * g);
        d[3 * hidden + j] = dh * tc * o * (1 - o);
        dc_next[j] = dc * f;
    }
}

static void portable_gru_cell(const float *x, const float *r, float *h, int first, int hidden) {
    for (int j = first; j < hidden; j++) {
        float rg = portable_sigmoid(x[j] + r[j]);
        float z = portable_sigmoid(x[hidden + j] + r[hidden + j]);
        float n = portable_tanh(x[2 * hidden + j] + rg * r[2 * hidden + j]);
        h[j] = (1 - z) * n + z * h[j];
    }
}

static void portable_rnn_cell(const float *x, const float *r, float *h, int first, int hidden) {
    for (int j = first; j < hidden; j++) h[j] = portable_tanh(x[j] + r[j]);
}

// ---- AVX2 + FMA kernels --------------------------------------------------------------------------

#ifdef STENO_X86
#define AVX2 __attribute__((target("avx2,fma")))

// portable_exp on 8 lanes.
AVX2 static inline __m256 vector_exp(__m256 value) {
    // min/max return their second operand when either is NaN, so NaN passes through both.
    __m256 x = _mm256_max_ps(_mm256_set1_ps(-87.0f), _mm256_min_ps(_mm256_set1_ps(88.0f), value));
    __m256 shifter = _mm256_set1_ps(12582912.0f);
    __m256 t = _mm256_add_ps(_mm256_mul_ps(x, _mm256_set1_ps(1.44269504f)), shifter);
    __m256 n = _mm256_sub_ps(t, shifter);
    __m256i exponent = _mm256_sub_epi32(_mm256_castps_si256(t), _mm256_castps_si256(shifter));
    __m256 r = _mm256_sub_ps(_mm256_sub_ps(x, _mm256_mul_ps(n, _mm256_set1_ps(0.69314575f))),
                             _mm256_mul_ps(n, _mm256_set1_ps(1.4286068e-06f)));
    __m256 p = _mm256_set1_ps(1.0f / 720);
    p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(1.0f / 120));
    p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(1.0f / 24));
    p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(1.0f / 6));
    p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(0.5f));
    p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(1.0f));
    p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(1.0f));
    __m256i bits = _mm256_slli_epi32(_mm256_add_epi32(exponent, _mm256_set1_epi32(127)), 23);
    return _mm256_mul_ps(p, _mm256_castsi256_ps(bits));
}

AVX2 static inline __m256 vector_sigmoid(__m256 x) {
    __m256 one = _mm256_set1_ps(1.0f);
    return _mm256_div_ps(one, _mm256_add_ps(one, vector_exp(_mm256_sub_ps(_mm256_setzero_ps(), x))));
}

AVX2 static inline __m256 vector_tanh(__m256 x) {
    __m256 one = _mm256_set1_ps(1.0f);
    __m256 e = vector_exp(_mm256_add_ps(x, x));
    return _mm256_sub_ps(one, _mm256_div_ps(_mm256_set1_ps(2.0f), _mm256_add_ps(e, one)));
}

// Adds a block's 64 sums (times `scales` when given) to the rows of y that exist.
AVX2 static inline void add_block(__m256 sums[8], const float *scales, int first, int rows, float *y) {
    if (rows - first >= STENO_PACK_ROWS) {
        for (int i = 0; i < 8; i++) {
            __m256 s = scales ? _mm256_mul_ps(sums[i], _mm256_loadu_ps(scales + first + 8 * i)) : sums[i];
            _mm256_storeu_ps(y + first + 8 * i, _mm256_add_ps(_mm256_loadu_ps(y + first + 8 * i), s));
        }
    } else {
        float values[STENO_PACK_ROWS];
        for (int i = 0; i < 8; i++) _mm256_storeu_ps(values + 8 * i, sums[i]);
        for (int i = 0; i < rows - first; i++) y[first + i] += scales ? scales[first + i] * values[i] : values[i];
    }
}

AVX2 static void vector_product_float(const float *packed, int rows, int columns, const float *x, float *y) {
    for (int first = 0; first < rows; first += STENO_PACK_ROWS) {
        const float *w = packed + (size_t)(first / STENO_PACK_ROWS) * columns * STENO_PACK_ROWS;
        __m256 sums[8];
        for (int i = 0; i < 8; i++) sums[i] = _mm256_setzero_ps();
        for (int k = 0; k < columns; k++, w += STENO_PACK_ROWS) {
            __m256 xk = _mm256_broadcast_ss(x + k);
            for (int i = 0; i < 8; i++) sums[i] = _mm256_fmadd_ps(_mm256_loadu_ps(w + 8 * i), xk, sums[i]);
        }
        add_block(sums, NULL, first, rows, y);
    }
}

// One strip of 16 packed rows (`w`: the strip, 16 values per column) times
// `NB` rows of x: 2 x NB accumulators, so each loaded weight serves NB sequences. `valid` is how
// many of the strip's rows exist.
#define STRIP_KERNEL(NB)                                                                                          \
    AVX2 static void strip16_##NB(const float *w, int columns, const float *x, float *y, int rows, int valid) {   \
        __m256 low[NB], high[NB];                                                                                 \
        for (int b = 0; b < NB; b++) { low[b] = _mm256_setzero_ps(); high[b] = _mm256_setzero_ps(); }           \
        for (int k = 0; k < columns; k++, w += STENO_STRIP_ROWS) {                                                \
            __m256 w0 = _mm256_load_ps(w), w1 = _mm256_load_ps(w + 8);                                             \
            for (int b = 0; b < NB; b++) {                                                                        \
                __m256 xb = _mm256_broadcast_ss(x + (size_t)b * columns + k);                                     \
                low[b] = _mm256_fmadd_ps(w0, xb, low[b]);                                                         \
                high[b] = _mm256_fmadd_ps(w1, xb, high[b]);                                                       \
            }                                                                                                     \
        }                                                                                                         \
        for (int b = 0; b < NB; b++) add_strip(low[b], high[b], y + (size_t)b * rows, valid);                    \
    }

// Adds a strip's 16 sums to the first `valid` of y's 16 elements.
AVX2 static inline void add_strip(__m256 low, __m256 high, float *y, int valid) {
    if (valid >= 16) {
        _mm256_storeu_ps(y, _mm256_add_ps(_mm256_loadu_ps(y), low));
        _mm256_storeu_ps(y + 8, _mm256_add_ps(_mm256_loadu_ps(y + 8), high));
    } else {
        float values[16];
        _mm256_storeu_ps(values, low);
        _mm256_storeu_ps(values + 8, high);
        for (int i = 0; i < valid; i++) y[i] += values[i];
    }
}

STRIP_KERNEL(1)
STRIP_KERNEL(2)
STRIP_KERNEL(3)
STRIP_KERNEL(4)
STRIP_KERNEL(5)
STRIP_KERNEL(6)

// Strip by strip (16 KB for 256 columns, kept in L1 while each group of rows of x passes over it).
AVX2 static void vector_product_strips(const float *packed, int rows, int columns, const float *x, int batch, float *y) {
    for (int first = 0; first < rows; first += STENO_STRIP_ROWS) {
        const float *w = packed + (size_t)(first / STENO_STRIP_ROWS) * columns * STENO_STRIP_ROWS;
        int valid = rows - first < STENO_STRIP_ROWS ? rows - first : STENO_STRIP_ROWS;
        // Groups of at most 6 rows of x, as even as possible (8 = 4 + 4, not 6 + 2).
        int groups = (batch + 5) / 6;
        for (int group = 0, b = 0; group < groups; group++) {
            int size = batch / groups + (group < batch % groups ? 1 : 0);
            const float *xb = x + (size_t)b * columns;
            float *yb = y + (size_t)b * rows + first;
            b += size;
            switch (size) {
            case 1: strip16_1(w, columns, xb, yb, rows, valid); break;
            case 2: strip16_2(w, columns, xb, yb, rows, valid); break;
            case 3: strip16_3(w, columns, xb, yb, rows, valid); break;
            case 4: strip16_4(w, columns, xb, yb, rows, valid); break;
            case 5: strip16_5(w, columns, xb, yb, rows, valid); break;
            default: strip16_6(w, columns, xb, yb, rows, valid); break;
            }
        }
    }
}

AVX2 static void vector_product_int8(const int8_t *packed, const float *scales, int rows, int columns, const float *x, float *y) {
    for (int first = 0; first < rows; first += STENO_PACK_ROWS) {
        const int8_t *w = packed + (size_t)(first / STENO_PACK_ROWS) * columns * STENO_PACK_ROWS;
        __m256 sums[8];
        for (int i = 0; i < 8; i++) sums[i] = _mm256_setzero_ps();
        for (int k = 0; k < columns; k++, w += STENO_PACK_ROWS) {
            __m256 xk = _mm256_broadcast_ss(x + k);
            for (int i = 0; i < 8; i++) {
                __m256i q = _mm256_cvtepi8_epi32(_mm_loadl_epi64((const __m128i *)(w + 8 * i)));
                sums[i] = _mm256_fmadd_ps(_mm256_cvtepi32_ps(q), xk, sums[i]);
            }
        }
        add_block(sums, scales, first, rows, y);
    }
}

// The LSTM's four activated gates for units j..j+7: i, f, o by the sigmoid, g by tanh.
AVX2 static inline void vector_lstm_gates(const float *x, const float *r, int j, int hidden,
                                          __m256 *i, __m256 *f, __m256 *g, __m256 *o) {
    *i = vector_sigmoid(_mm256_add_ps(_mm256_loadu_ps(x + j), _mm256_loadu_ps(r + j)));
    *f = vector_sigmoid(_mm256_add_ps(_mm256_loadu_ps(x + hidden + j), _mm256_loadu_ps(r + hidden + j)));
    *g = vector_tanh(_mm256_add_ps(_mm256_loadu_ps(x + 2 * hidden + j), _mm256_loadu_ps(r + 2 * hidden + j)));
    *o = vector_sigmoid(_mm256_add_ps(_mm256_loadu_ps(x + 3 * hidden + j), _mm256_loadu_ps(r + 3 * hidden + j)));
}

AVX2 static void vector_lstm_cell(const float *x, const float *r, float *h, float *c, int hidden) {
    int j = 0;
    for (; j + 8 <= hidden; j += 8) {
        __m256 i, f, g, o;
        vector_lstm_gates(x, r, j, hidden, &i, &f, &g, &o);
        __m256 cell = _mm256_add_ps(_mm256_mul_ps(f, _mm256_loadu_ps(c + j)), _mm256_mul_ps(i, g));
        _mm256_storeu_ps(c + j, cell);
        _mm256_storeu_ps(h + j, _mm256_mul_ps(o, vector_tanh(cell)));
    }
    portable_lstm_cell(x, r, h, c, j, hidden);
}

AVX2 static void vector_lstm_cell_forward(const float *x, const float *r, float mask, float *h, float *c,
                                          float *gates, float *cell_out, int hidden) {
    __m256 m = _mm256_set1_ps(mask);
    int j = 0;
    for (; j + 8 <= hidden; j += 8) {
        __m256 i, f, g, o;
        vector_lstm_gates(x, r, j, hidden, &i, &f, &g, &o);
        _mm256_storeu_ps(gates + j, i);
        _mm256_storeu_ps(gates + hidden + j, f);
        _mm256_storeu_ps(gates + 2 * hidden + j, g);
        _mm256_storeu_ps(gates + 3 * hidden + j, o);
        __m256 cell = _mm256_add_ps(_mm256_mul_ps(f, _mm256_loadu_ps(c + j)), _mm256_mul_ps(i, g));
        _mm256_storeu_ps(cell_out + j, cell);
        _mm256_storeu_ps(c + j, _mm256_mul_ps(cell, m));
        _mm256_storeu_ps(h + j, _mm256_mul_ps(_mm256_mul_ps(o, vector_tanh(cell)), m));
    }
    portable_lstm_cell_forward(x, r, mask, h, c, gates, cell_out, j, hidden);
}

AVX2 static void vector_lstm_cell_backward(const float *gates, const float *cell, const float *previous_cell,
                                           const float *dy, const float *dh_next, float *dc_next, float mask,
                                           float *d, int hidden) {
    __m256 m = _mm256_set1_ps(mask), one = _mm256_set1_ps(1.0f);
    int j = 0;
    for (; j + 8 <= hidden; j += 8) {
        __m256 dh = _mm256_mul_ps(_mm256_add_ps(_mm256_loadu_ps(dy + j), _mm256_loadu_ps(dh_next + j)), m);
        __m256 i = _mm256_loadu_ps(gates + j), f = _mm256_loadu_ps(gates + hidden + j);
        __m256 g = _mm256_loadu_ps(gates + 2 * hidden + j), o = _mm256_loadu_ps(gates + 3 * hidden + j);
        __m256 tc = vector_tanh(_mm256_loadu_ps(cell + j));
        __m256 dc = _mm256_add_ps(_mm256_mul_ps(_mm256_loadu_ps(dc_next + j), m),
                                  _mm256_mul_ps(_mm256_mul_ps(dh, o), _mm256_sub_ps(one, _mm256_mul_ps(tc, tc))));
        _mm256_storeu_ps(d + j, _mm256_mul_ps(_mm256_mul_ps(_mm256_mul_ps(dc, g), i), _mm256_sub_ps(one, i)));
        _mm256_storeu_ps(d + hidden + j, _mm256_mul_ps(_mm256_mul_ps(_mm256_mul_ps(dc, _mm256_loadu_ps(previous_cell + j)), f), _mm256_sub_ps(one, f)));
        _mm256_storeu_ps(d + 2 * hidden + j, _mm256_mul_ps(_mm256_mul_ps(dc, i), _mm256_sub_ps(one, _mm256_mul_ps(g, g))));
        _mm256_storeu_ps(d + 3 * hidden + j, _mm256_mul_ps(_mm256_mul_ps(_mm256_mul_ps(dh, tc), o), _mm256_sub_ps(one, o)));
        _mm256_storeu_ps(dc_next + j, _mm256_mul_ps(dc, f));
    }
    portable_lstm_cell_backward(gates, cell, previous_cell, dy, dh_next, dc_next, mask, d, j, hidden);
}

AVX2 static void vector_gru_cell(const float *x, const float *r, float *h, int hidden) {
    int j = 0;
    __m256 one = _mm256_set1_ps(1.0f);
    for (; j + 8 <= hidden; j += 8) {
        __m256 rg = vector_sigmoid(_mm256_add_ps(_mm256_loadu_ps(x + j), _mm256_loadu_ps(r + j)));
        __m256 z = vector_sigmoid(_mm256_add_ps(_mm256_loadu_ps(x + hidden + j), _mm256_loadu_ps(r + hidden + j)));
        __m256 n = vector_tanh(_mm256_add_ps(_mm256_loadu_ps(x + 2 * hidden + j), _mm256_mul_ps(rg, _mm256_loadu_ps(r + 2 * hidden + j))));
        __m256 next = _mm256_add_ps(_mm256_mul_ps(_mm256_sub_ps(one, z), n), _mm256_mul_ps(z, _mm256_loadu_ps(h + j)));
        _mm256_storeu_ps(h + j, next);
    }
    portable_gru_cell(x, r, h, j, hidden);
}

AVX2 static void vector_rnn_cell(const float *x, const float *r, float *h, int hidden) {
    int j = 0;
    for (; j + 8 <= hidden; j += 8)
        _mm256_storeu_ps(h + j, vector_tanh(_mm256_add_ps(_mm256_loadu_ps(x + j), _mm256_loadu_ps(r + j))));
    portable_rnn_cell(x, r, h, j, hidden);
}
#endif

// ---- Dispatch ------------------------------------------------------------------------------------

#ifdef STENO_X86
#define DISPATCH(vector_call, portable_call) \
    do { if (vectorized && has_avx2_fma) { vector_call; } else { portable_call; } } while (0)
#else
#define DISPATCH(vector_call, portable_call) do { (void)vectorized; portable_call; } while (0)
#endif

void steno_product_float(int vectorized, const float *packed, int rows, int columns, const float *x, float *y) {
    DISPATCH(vector_product_float(packed, rows, columns, x, y), portable_product_float(packed, rows, columns, x, y));
}

void steno_product_strips(int vectorized, const float *packed, int rows, int columns, const float *x, int batch, float *y) {
    DISPATCH(vector_product_strips(packed, rows, columns, x, batch, y),
             portable_product_strips(packed, rows, columns, x, batch, y));
}

void steno_product_int8(int vectorized, const int8_t *packed, const float *scales, int rows, int columns, const float *x, float *y) {
    DISPATCH(vector_product_int8(packed, scales, rows, columns, x, y), portable_product_int8(packed, scales, rows, columns, x, y));
}

void steno_lstm_cell(int vectorized, const float *x, const float *r, float *h, float *c, int hidden) {
    DISPATCH(vector_lstm_cell(x, r, h, c, hidden), portable_lstm_cell(x, r, h, c, 0, hidden));
}

void steno_gru_cell(int vectorized, const float *x, const float *r, float *h, int hidden) {
    DISPATCH(vector_gru_cell(x, r, h, hidden), portable_gru_cell(x, r, h, 0, hidden));
}

void steno_rnn_cell(int vectorized, const float *x, const float *r, float *h, int hidden) {
    DISPATCH(vector_rnn_cell(x, r, h, hidden), portable_rnn_cell(x, r, h, 0, hidden));
}

void steno_lstm_cell_forward(int vectorized, const float *x, const float *r, float mask, float *h, float *c,
                             float *gates, float *cell_out, int hidden) {
    DISPATCH(vector_lstm_cell_forward(x, r, mask, h, c, gates, cell_out, hidden),
             portable_lstm_cell_forward(x, r, mask, h, c, gates, cell_out, 0, hidden));
}

void steno_lstm_cell_backward(int vectorized, const float *gates, const float *cell, const float *previous_cell,
                              const float *dy, const float *dh_next, float *dc_next, float mask, float *d, int hidden) {
    DISPATCH(vector_lstm_cell_backward(gates, cell, previous_cell, dy, dh_next, dc_next, mask, d, hidden),
             portable_lstm_cell_backward(gates, cell, previous_cell, dy, dh_next, dc_next, mask, d, 0, hidden));
}
