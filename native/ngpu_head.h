/* The Neural GPU's readout and loss: see ngpu_head.c. */
#ifndef GRADNOISE_NGPU_HEAD_H
#define GRADNOISE_NGPU_HEAD_H

#include "ngpu_conv.h"

/*
 * Logits of the first target_width columns of row 0 of `state` (shape c's), through the output
 * kernel [maps, classes] and bias; writes their argmax into predicted [batch, target_width]. With
 * targets (else NULL), returns the mean softmax cross-entropy and, with ds (else NULL), writes the
 * state's gradient into ds and the output kernel's and bias's into dkernel and dbias (added).
 */
double ngpu_readout(const ngpu_conv *c, int target_width, int classes, const float *state, const float *kernel,
                    const float *bias, const int *targets, float *predicted, float *ds, float *dkernel,
                    float *dbias);

#endif
