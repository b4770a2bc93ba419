/* The Neural GPU's "same" convolutions as im2col and sgemm: see ngpu_conv.c. */
#ifndef GRADNOISE_NGPU_CONV_H
#define GRADNOISE_NGPU_CONV_H

#include <stddef.h>

/* A stride-1 "same" convolution over [batch, width, height, maps] with an odd kw × kh kernel. */
typedef struct {
  int batch, width, height, maps, kw, kh;
  size_t positions; /* batch · width · height: the rows of im2col and of the output */
  size_t depth;     /* kw · kh · maps: the columns of im2col, the rows of the kernel [kw, kh, in, out] */
} ngpu_conv;

ngpu_conv ngpu_conv_of(int batch, int width, int height, int maps, int kw, int kh);

/* cols [positions, depth]: for each output position, its kw × kh window of x (zeros off the edge). */
void ngpu_im2col(const ngpu_conv *c, const float *x, float *cols);

/* dx += the adjoint of im2col applied to cols (each window's values back where they came from). */
void ngpu_col2im_add(const ngpu_conv *c, const float *cols, float *dx);

/* Row-major, one thread: C[m, n] = A[m, k] · B[k, n]. */
void ngpu_gemm_nn(size_t m, size_t n, size_t k, const float *a, const float *b, float *c);
/* C[m, n] += A[k, m]ᵀ · B[k, n]. */
void ngpu_gemm_tn_add(size_t m, size_t n, size_t k, const float *a, const float *b, float *c);
/* C[m, n] = A[m, k] · B[n, k]ᵀ. */
void ngpu_gemm_nt(size_t m, size_t n, size_t k, const float *a, const float *b, float *c);

#endif
