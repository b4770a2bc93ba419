/*
 * im2col and its adjoint for the Neural GPU's convolutions (neural_gpu.c), and the three sgemm
 * shapes they need. Layout as tfjs's: x [batch, width, height, maps] row-major, kernel [kw, kh, in,
 * out]; so row p of im2col lists window cell (a, b) at columns (a·kh + b)·maps … + maps − 1, and
 * im2col · kernel (viewed as [kw·kh·in, out]) is the convolution. A window cell is maps contiguous
 * floats of x, copied whole.
 */
#include "ngpu_conv.h"

#include <cblas.h>
#include <string.h>

ngpu_conv ngpu_conv_of(int batch, int width, int height, int maps, int kw, int kh) {
  ngpu_conv c = {batch, width, height, maps, kw, kh, 0, 0};
  c.positions = (size_t)batch * width * height;
  c.depth = (size_t)kw * kh * maps;
  return c;
}

/*
 * For every output position (n, w, h) and window column a, the kh cells of that column are rows
 * h − ph … h + ph of column w + a − pw of x: contiguous in x, so each is one run of up to kh · maps
 * floats (clipped at the top and bottom edge; a column off the left or right edge is all zeros).
 * BODY sees `cell` (its first float in cols), `from` (its first float in x, valid when `count` > 0),
 * `count` (floats to copy) and `before`, `after` (floats of padding either side, in cols).
 */
#define FOR_EACH_RUN(c, BODY)                                                           \
  do {                                                                                  \
    const int pw = (c)->kw / 2, ph = (c)->kh / 2, W = (c)->width, H = (c)->height;     \
    const size_t M = (size_t)(c)->maps, span = (size_t)(c)->kh * M;                     \
    size_t cell = 0;                                                                    \
    for (int n = 0; n < (c)->batch; n++)                                                \
      for (int w = 0; w < W; w++)                                                       \
        for (int h = 0; h < H; h++) {                                                   \
          const int top = h - ph < 0 ? ph - h : 0;                                      \
          const int bottom = h + ph >= H ? h + ph - H + 1 : 0;                          \
          for (int a = 0; a < (c)->kw; a++, cell += span) {                             \
            const int ww = w + a - pw;                                                  \
            const int inside = ww >= 0 && ww < W;                                       \
            const size_t before = inside ? (size_t)top * M : span;                      \
            const size_t count = inside ? span - (size_t)(top + bottom) * M : 0;        \
            const size_t after = span - before - count;                                 \
            const size_t from = inside ? (((size_t)n * W + ww) * H + (h - ph + top)) * M : 0; \
            BODY                                                                        \
          }                                                                             \
        }                                                                               \
  } while (0)

void ngpu_im2col(const ngpu_conv *c, const float *x, float *cols) {
  FOR_EACH_RUN(c, {
    if (before > 0) memset(cols + cell, 0, before * sizeof(float));
    if (count > 0) memcpy(cols + cell + before, x + from, count * sizeof(float));
    if (after > 0) memset(cols + cell + before + count, 0, after * sizeof(float));
  });
}

void ngpu_col2im_add(const ngpu_conv *c, const float *cols, float *dx) {
  FOR_EACH_RUN(c, {
    (void)after;
    float *to = dx + from;
    const float *src = cols + cell + before;
    for (size_t i = 0; i < count; i++) to[i] += src[i];
  });
}

void ngpu_gemm_nn(size_t m, size_t n, size_t k, const float *a, const float *b, float *c) {
  cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, (int)m, (int)n, (int)k, 1.0f, a, (int)k, b, (int)n,
              0.0f, c, (int)n);
}

void ngpu_gemm_tn_add(size_t m, size_t n, size_t k, const float *a, const float *b, float *c) {
  cblas_sgemm(CblasRowMajor, CblasTrans, CblasNoTrans, (int)m, (int)n, (int)k, 1.0f, a, (int)m, b, (int)n,
              1.0f, c, (int)n);
}

void ngpu_gemm_nt(size_t m, size_t n, size_t k, const float *a, const float *b, float *c) {
  cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, (int)m, (int)n, (int)k, 1.0f, a, (int)k, b, (int)k,
              0.0f, c, (int)n);
}
