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

/* Output positions per block of im2col rows: the rows of the `cols` scratch the functions take. */
#define NGPU_BLOCK 512

/* out [positions, n] = conv(x, kernel [depth, n]), no bias; cols: NGPU_BLOCK · depth floats of scratch. */
void ngpu_conv_forward(const ngpu_conv *c, const float *x, const float *kernel, size_t n, float *out, float *cols);

/*
 * The gradients of ngpu_conv_forward for dz = d out [positions, n]: dkernel += ∂/∂kernel (x's
 * windows ᵀ · dz) and dx += ∂/∂x (dz · kernelᵀ, each window's share added back where it came from).
 */
void ngpu_conv_backward(const ngpu_conv *c, const float *x, const float *dz, const float *kernel, size_t n,
                        float *dkernel, float *dx, float *cols);

/* Row-major, one thread: C[m, n] = A[m, k] · B[k, n]. */
void ngpu_gemm_nn(size_t m, size_t n, size_t k, const float *a, const float *b, float *c);
/* C[m, n] += A[k, m]ᵀ · B[k, n]. */
void ngpu_gemm_tn_add(size_t m, size_t n, size_t k, const float *a, const float *b, float *c);
/* C[m, n] = A[m, k] · B[n, k]ᵀ. */
void ngpu_gemm_nt(size_t m, size_t n, size_t k, const float *a, const float *b, float *c);

#endif
