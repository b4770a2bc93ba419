/*
 * The dense ReLU stack of the mlp trainer (paper §4.1), forward and backward, on CBLAS sgemm.
 *
 * Layout (row-major, as tfjs stores it): layer l maps n × sizes[l] to n × sizes[l + 1] with a kernel
 * of shape [sizes[l], sizes[l + 1]] and a bias of shape [sizes[l + 1]]; every layer but the last is
 * followed by ReLU; the last gives logits, scored with the mean softmax cross-entropy over the rows
 * against one-hot labels (tfjs `losses.softmaxCrossEntropy`, whose gradient is (softmax − y) / n).
 *
 * No allocation here: the caller hands in the weights, the gradients to write and one workspace of
 * dense_workspace_length() floats (the activations of every layer, then two gradient buffers).
 */
#include "dense_stack.h"

#include <cblas.h>
#include <math.h>
#include <string.h>

static int max_width(const dense_net *net) {
  int width = 0;
  for (int l = 1; l <= net->layers; l++)
    if (net->sizes[l] > width) width = net->sizes[l];
  return width;
}

size_t dense_workspace_length(const dense_net *net, int rows) {
  size_t total = 0;
  for (int l = 1; l <= net->layers; l++) total += (size_t)rows * (size_t)net->sizes[l];
  return total + 2 * (size_t)rows * (size_t)max_width(net);
}

/* Z = H · W + b, then ReLU in place unless it is the last layer. */
static void affine(const dense_net *net, int l, int rows, const float *h, float *z) {
  const int in = net->sizes[l], out = net->sizes[l + 1];
  const float *bias = net->biases[l];
  for (int r = 0; r < rows; r++) memcpy(z + (size_t)r * out, bias, (size_t)out * sizeof(float));
  cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, rows, out, in, 1.0f, h, in, net->kernels[l], out,
              1.0f, z, out);
  if (l + 1 < net->layers) {
    const size_t count = (size_t)rows * out;
    for (size_t i = 0; i < count; i++)
      if (!(z[i] > 0.0f)) z[i] = 0.0f;
  }
}

/* Runs every layer; returns the logits (inside the workspace). */
static const float *forward(const dense_net *net, int rows, const float *x, float *work) {
  const float *h = x;
  float *z = work;
  for (int l = 0; l < net->layers; l++) {
    affine(net, l, rows, h, z);
    h = z;
    z += (size_t)rows * net->sizes[l + 1];
  }
  return h;
}

void dense_forward(const dense_net *net, int rows, const float *x, float *logits, float *work) {
  const float *out = forward(net, rows, x, work);
  memcpy(logits, out, (size_t)rows * net->sizes[net->layers] * sizeof(float));
}

/*
 * Softmax cross-entropy of one row: returns log Σ exp(z) − Σ y·z and writes (softmax − y) · scale
 * into dz. Shifted by the row's maximum, as tfjs's logSoftmax is.
 */
static double row_loss(const float *z, const float *y, int classes, float scale, float *dz) {
  float top = z[0];
  for (int c = 1; c < classes; c++)
    if (z[c] > top) top = z[c];
  double sum = 0.0;
  for (int c = 0; c < classes; c++) sum += exp((double)(z[c] - top));
  const double log_sum = log(sum) + top;
  double loss = 0.0;
  for (int c = 0; c < classes; c++) {
    loss -= (double)y[c] * ((double)z[c] - log_sum);
    const double p = exp((double)z[c] - log_sum);
    dz[c] = (float)((p - (double)y[c]) * scale);
  }
  return loss;
}

double dense_step(const dense_net *net, int rows, const float *x, const float *labels, float *const *dkernels,
                  float *const *dbiases, float *work) {
  const int layers = net->layers, classes = net->sizes[layers];
  const float *logits = forward(net, rows, x, work);
  size_t acts = 0;
  for (int l = 1; l <= layers; l++) acts += (size_t)rows * net->sizes[l];
  const size_t span = (size_t)rows * max_width(net);
  float *dz = work + acts, *spare = dz + span;

  double loss = 0.0;
  const float scale = 1.0f / (float)rows;
  for (int r = 0; r < rows; r++)
    loss += row_loss(logits + (size_t)r * classes, labels + (size_t)r * classes, classes, scale,
                     dz + (size_t)r * classes);

  /* Walk back: the input of layer l is the activation of layer l − 1 (or x), just before it. */
  const float *act_end = work + acts;
  for (int l = layers - 1; l >= 0; l--) {
    const int in = net->sizes[l], out = net->sizes[l + 1];
    const float *h = l == 0 ? x : act_end - (size_t)rows * out - (size_t)rows * in;
    cblas_sgemm(CblasRowMajor, CblasTrans, CblasNoTrans, in, out, rows, 1.0f, h, in, dz, out, 0.0f,
                dkernels[l], out);
    float *db = dbiases[l];
    for (int c = 0; c < out; c++) db[c] = 0.0f;
    for (int r = 0; r < rows; r++) {
      const float *row = dz + (size_t)r * out;
      for (int c = 0; c < out; c++) db[c] += row[c];
    }
    act_end -= (size_t)rows * out;
    if (l == 0) break;
    /* dH = dZ · Wᵀ, then through the ReLU of layer l − 1 (zero where its output was not positive). */
    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, rows, in, out, 1.0f, dz, out, net->kernels[l], out,
                0.0f, spare, in);
    const size_t count = (size_t)rows * in;
    for (size_t i = 0; i < count; i++)
      if (!(h[i] > 0.0f)) spare[i] = 0.0f;
    float *t = dz;
    dz = spare;
    spare = t;
  }
  return loss / rows;
}

void dense_sgd(float *weights, const float *gradients, size_t count, float step) {
  /* w + (−lr)·g in float32, two roundings, as tfjs's SGD computes it on the cpu backend. */
  for (size_t i = 0; i < count; i++) {
    const float product = step * gradients[i];
    weights[i] = weights[i] + product;
  }
}
