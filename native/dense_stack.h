/* A dense ReLU stack on CBLAS: see dense_stack.c. */
#ifndef GRADNOISE_DENSE_STACK_H
#define GRADNOISE_DENSE_STACK_H

#include <stddef.h>

/* A network of `layers` dense layers: sizes[0] inputs … sizes[layers] outputs (caller-owned arrays). */
typedef struct {
  int layers;
  const int *sizes;
  const float *const *kernels;
  const float *const *biases;
} dense_net;

/* Floats of workspace dense_forward and dense_step need for `rows` rows. */
size_t dense_workspace_length(const dense_net *net, int rows);

/* Logits (rows × sizes[layers]) of the input x (rows × sizes[0]). */
void dense_forward(const dense_net *net, int rows, const float *x, float *logits, float *work);

/* Forward and backward: writes every kernel's and bias's gradient and returns the mean loss. */
double dense_step(const dense_net *net, int rows, const float *x, const float *labels, float *const *dkernels,
                  float *const *dbiases, float *work);

/* weights += step · gradients, elementwise in float32 (step = −learning rate for SGD). */
void dense_sgd(float *weights, const float *gradients, size_t count, float step);

#endif
