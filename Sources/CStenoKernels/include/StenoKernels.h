// Steno's own kernels: the recurrent product over packed weights (float32 or int8 with a scale per
// row, one sequence; float32 in strips, a batch of sequences for training) and the recurrent cells'
// elementwise steps (inference, and the LSTM's in training). Each has an AVX2 + FMA version and a
// portable C version that gives the same results to rounding; the first argument of each chooses
// (a nonzero `vectorized` on a CPU without AVX2 and FMA runs the portable one). Swift reaches them
// only through StenoNN's InferenceKernels.swift.
#ifndef STENO_KERNELS_H
#define STENO_KERNELS_H

#include <stddef.h>
#include <stdint.h>

/// Rows per block of packed weights.
#define STENO_PACK_ROWS 64

/// Rows per strip of weights packed for the batched product (training).
#define STENO_STRIP_ROWS 16

/// 1 when this CPU has AVX2 and FMA, so the vectorized kernels can run.
int steno_kernels_vectorized(void);

/// Elements of a packed matrix of `rows` x `columns`: rows rounded up to whole blocks of 64.
size_t steno_packed_count(int rows, int columns);
/// Packs a row-major float matrix `[rows, columns]` as blocks of 64 rows, each block column by
/// column (element (r, k) at block r / 64, offset k * 64 + r % 64); padding rows are zero.
void steno_pack_float(const float *weights, int rows, int columns, float *packed);
/// Elements of a matrix of `rows` x `columns` packed in strips: rows rounded up to whole strips of 16.
size_t steno_strips_count(int rows, int columns);
/// Packs a float matrix W `[rows, columns]` in strips of 16 rows, each strip column by column (element
/// (r, k) at strip r / 16, offset k * 16 + r % 16; padding rows zero). W is read row-major from
/// `weights`, or, when `transposed` is nonzero, as the transpose of the row-major `[columns, rows]`
/// matrix there. `packed` must be 32-byte aligned.
void steno_pack_strips(const float *weights, int rows, int columns, int transposed, float *packed);
/// Packs a row-major int8 matrix (quantized by the caller, with a scale per row) in the same layout.
void steno_pack_int8(const int8_t *weights, int rows, int columns, int8_t *packed);

/// y[rows] += W x for packed float W `[rows, columns]` and x `[columns]`.
void steno_product_float(int vectorized, const float *packed, int rows, int columns, const float *x, float *y);
/// y[b][rows] += W x[b] for b < batch: W `[rows, columns]` packed in strips, x `[batch, columns]`
/// and y `[batch, rows]` row-major (a training step's recurrent product, a row per sequence).
void steno_product_strips(int vectorized, const float *packed, int rows, int columns, const float *x, int batch, float *y);
/// y[rows] += scale[r] * (Q x)[r] for packed int8 Q `[rows, columns]` and x `[columns]`.
void steno_product_int8(int vectorized, const int8_t *packed, const float *scales, int rows, int columns, const float *x, float *y);

/// One LSTM step for one sequence, PyTorch's gate order i, f, g, o: x and r are the input and hidden
/// projections `[4H]` (biases included); c = f c' + i g and h = o tanh c, updated in place `[H]`.
void steno_lstm_cell(int vectorized, const float *x, const float *r, float *h, float *c, int hidden);
/// One LSTM step of training for one sequence: as steno_lstm_cell, and it also keeps what the
/// backward pass reads, the activated gates `gates [4H]` (i, f, g, o) and the new cell state before
/// masking `cell_out [H]`; then h and c are multiplied by `mask` (0 past the sequence's end).
void steno_lstm_cell_forward(int vectorized, const float *x, const float *r, float mask, float *h, float *c,
                             float *gates, float *cell_out, int hidden);
/// The backward pass of steno_lstm_cell_forward for one sequence. From the saved `gates [4H]`, `cell`
/// (before masking) and `previous_cell` `[H]`, the gradient `dy [H]` of the step's output and the
/// gradients `dh_next`, `dc_next [H]` that the later step passed back to this step's h and c, writes
/// the gradient `d [4H]` of the gates before activation (= of both projections) and replaces
/// `dc_next` by the gradient of the cell state this step started from.
void steno_lstm_cell_backward(int vectorized, const float *gates, const float *cell, const float *previous_cell,
                              const float *dy, const float *dh_next, float *dc_next, float mask, float *d, int hidden);
/// One GRU step (gates r, z, n): n = tanh(x_n + r_g * r_n), h = (1 - z) n + z h', in place `[H]`.
void steno_gru_cell(int vectorized, const float *x, const float *r, float *h, int hidden);
/// One plain recurrent step: h = tanh(x + r), in place `[H]`.
void steno_rnn_cell(int vectorized, const float *x, const float *r, float *h, int hidden);

#endif
