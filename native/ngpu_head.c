/*
 * The Neural GPU's output head (src/trainers/neural_gpu/head.ts): the result digits are the first
 * target_width columns of row 0 of the final state; the loss is their mean softmax cross-entropy
 * (tfjs `losses.softmaxCrossEntropy`, gradient (softmax − y) / rows) and the prediction their argmax
 * (the first largest, as tfjs's argMax).
 */
#include "ngpu_head.h"

#include <math.h>
#include <string.h>

#define MAX_CLASSES 64

double ngpu_readout(const ngpu_conv *c, int target_width, int classes, const float *state, const float *kernel,
                    const float *bias, const int *targets, float *predicted, float *ds, float *dkernel,
                    float *dbias) {
  const size_t M = (size_t)c->maps, column = (size_t)c->height * M;
  const size_t rows = (size_t)c->batch * target_width;
  const float scale = 1.0f / (float)rows;
  float z[MAX_CLASSES], dz[MAX_CLASSES];
  double loss = 0.0;
  if (ds != NULL) memset(ds, 0, c->positions * M * sizeof(float));
  for (int n = 0; n < c->batch; n++) {
    for (int w = 0; w < target_width; w++) {
      const size_t row = (size_t)n * target_width + w;
      const float *top = state + ((size_t)n * c->width + w) * column;
      int best = 0;
      for (int k = 0; k < classes; k++) {
        float sum = 0.0f;
        for (size_t i = 0; i < M; i++) sum += top[i] * kernel[i * classes + k];
        z[k] = sum + bias[k];
        if (z[k] > z[best]) best = k;
      }
      predicted[row] = (float)best;
      if (targets == NULL) continue;
      /* Shifted by the largest logit, as tfjs's logSoftmax is. */
      double total = 0.0;
      for (int k = 0; k < classes; k++) total += exp((double)(z[k] - z[best]));
      const double log_sum = log(total) + z[best];
      const int y = targets[row];
      loss += log_sum - z[y];
      if (ds == NULL) continue;
      for (int k = 0; k < classes; k++) {
        dz[k] = (float)((exp((double)z[k] - log_sum) - (k == y ? 1.0 : 0.0)) * scale);
        dbias[k] += dz[k];
      }
      float *d = ds + ((size_t)n * c->width + w) * column;
      for (size_t i = 0; i < M; i++) {
        float sum = 0.0f;
        for (int k = 0; k < classes; k++) {
          sum += dz[k] * kernel[i * classes + k];
          dkernel[i * classes + k] += top[i] * dz[k];
        }
        d[i] = sum;
      }
    }
  }
  return loss / (double)rows;
}
