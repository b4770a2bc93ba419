/*
 * The Neural GPU's convolutions (neural_gpu.c) as im2col and sgemm, and their gradients. Blocks of
 * NGPU_BLOCK output positions at a time, so a block's im2col rows (a few hundred kilobytes) are
 * still in cache when sgemm reads them: the whole im2col of one convolution is megabytes, written
 * and read back several times per layer and step. Layout as tfjs's: x [batch, width, height, maps] row-major, kernel [kw, kh, in,
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
 * For every output position p in [p0, p1) and window column a, the kh cells of that column are rows
 * h − ph … h + ph of column w + a − pw of x: contiguous in x, so each is one run of up to kh · maps
 * floats (clipped at the top and bottom edge; a column off the left or right edge is all zeros).
 * BODY sees `cell` (its first float in the block's cols), `from` (its first float in x, valid when
 * `count` > 0), `count` (floats to copy) and `before`, `after` (floats of padding either side).
 */
#define FOR_EACH_RUN(c, p0, p1, BODY)                                                     \
  do {                                                                                    \
    const int pw = (c)->kw / 2, ph = (c)->kh / 2, W = (c)->width, H = (c)->height;       \
    const size_t M = (size_t)(c)->maps, span = (size_t)(c)->kh * M;                       \
    size_t cell = 0;                                                                      \
    for (size_t p = (p0); p < (p1); p++) {                                                \
      const int h = (int)(p % H), w = (int)((p / H) % W);                                 \
      const size_t n = p / H / W;                                                         \
      const int top = h - ph < 0 ? ph - h : 0;                                            \
      const int bottom = h + ph >= H ? h + ph - H + 1 : 0;                                \
      for (int a = 0; a < (c)->kw; a++, cell += span) {                                   \
        const int ww = w + a - pw;                                                        \
        const int inside = ww >= 0 && ww < W;                                             \
        const size_t before = inside ? (size_t)top * M : span;                            \
        const size_t count = inside ? span - (size_t)(top + bottom) * M : 0;              \
        const size_t after = span - before - count;                                       \
        const size_t from = inside ? ((n * W + ww) * H + (h - ph + top)) * M : 0;         \
        BODY                                                                              \
      }                                                                                   \
    }                                                                                     \
  } while (0)

/* cols [p1 − p0, depth]: for each output position, its kw × kh window of x (zeros off the edge). */
static void im2col(const ngpu_conv *c, const float *x, size_t p0, size_t p1, float *cols) {
  FOR_EACH_RUN(c, p0, p1, {
    if (before > 0) memset(cols + cell, 0, before * sizeof(float));
    if (count > 0) memcpy(cols + cell + before, x + from, count * sizeof(float));
    if (after > 0) memset(cols + cell + before + count, 0, after * sizeof(float));
  });
}

/* dx += the adjoint of im2col applied to the block's cols (each window's values back in place). */
static void col2im_add(const ngpu_conv *c, const float *cols, size_t p0, size_t p1, float *dx) {
  FOR_EACH_RUN(c, p0, p1, {
    (void)after;
    float *to = dx + from;
    const float *src = cols + cell + before;
    for (size_t i = 0; i < count; i++) to[i] += src[i];
  });
}

void ngpu_conv_forward(const ngpu_conv *c, const float *x, const float *kernel, size_t n, float *out, float *cols) {
  for (size_t p0 = 0; p0 < c->positions; p0 += NGPU_BLOCK) {
    const size_t p1 = p0 + NGPU_BLOCK < c->positions ? p0 + NGPU_BLOCK : c->positions;
    im2col(c, x, p0, p1, cols);
    ngpu_gemm_nn(p1 - p0, n, c->depth, cols, kernel, out + p0 * n);
  }
}

void ngpu_conv_backward(const ngpu_conv *c, const float *x, const float *dz, const float *kernel, size_t n,
                        float *dkernel, float *dx, float *cols) {
  for (size_t p0 = 0; p0 < c->positions; p0 += NGPU_BLOCK) {
    const size_t p1 = p0 + NGPU_BLOCK < c->positions ? p0 + NGPU_BLOCK : c->positions;
    im2col(c, x, p0, p1, cols);
    ngpu_gemm_tn_add(c->depth, n, p1 - p0, cols, dz + p0 * n, dkernel);
    ngpu_gemm_nt(p1 - p0, c->depth, n, dz + p0 * n, kernel, cols);
    col2im_add(c, cols, p0, p1, dx);
  }
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
