/* The unrolled Neural GPU (paper §4.5) on CBLAS: see neural_gpu.c. */
#ifndef GRADNOISE_NEURAL_GPU_H
#define GRADNOISE_NEURAL_GPU_H

#include <stddef.h>

/* Entries of the shape array, in this order. */
enum {
  NGPU_BATCH,
  NGPU_WIDTH,
  NGPU_HEIGHT,
  NGPU_MAPS,
  NGPU_LAYERS,
  NGPU_KERNEL_WIDTH,
  NGPU_KERNEL_HEIGHT,
  NGPU_TARGET_WIDTH,
  NGPU_SYMBOLS,
  NGPU_CLASSES,
  NGPU_SHAPE_LENGTH
};

#define NGPU_MAX_LAYERS 64

/*
 * One batch of the model: the shape (validated by the caller: every entry at least 1, odd kernel
 * extents, target_width ≤ width, layers ≤ NGPU_MAX_LAYERS), the gate cutoff c, and the parameters in
 * the trainer's `namedVariables` order: embedding [symbols, maps]; per layer the update kernel
 * [kw, kh, maps, maps] and bias [maps], the reset kernel and bias, the candidate kernel and bias;
 * the output kernel [maps, classes] and bias [classes] (3 + 6·layers arrays).
 */
typedef struct {
  int batch, width, height, maps, layers, kw, kh, target_width, symbols, classes;
  double cutoff;
  const float *const *params;
} ngpu_model;

/* Parameter arrays of a model with `layers` layers. */
static inline int ngpu_param_count(int layers) { return 3 + 6 * layers; }

/* Floats of each parameter array `index` of the model (the caller checks the arrays with it). */
size_t ngpu_param_length(const ngpu_model *m, int index);

/* What a workspace holds: no tape (ngpu_predict), one step's (recomputed per step) or the whole. */
typedef enum { NGPU_TAPE_NONE, NGPU_TAPE_STEP, NGPU_TAPE_WHOLE } ngpu_tape;

/* Floats of workspace ngpu_predict (NGPU_TAPE_NONE) or ngpu_step (the others) needs. */
size_t ngpu_workspace_length(const ngpu_model *m, ngpu_tape tape);

/*
 * Loss and gradients of one batch: inputs [batch, width] (symbols), targets [batch, target_width]
 * (classes), masks NULL or one [batch, width, height, maps] candidate multiplier per layer. Writes
 * every gradient (in the parameters' order and shapes) and the argmax predictions [batch,
 * target_width]; returns the mean cross-entropy over the target columns. `work` has the length
 * ngpu_workspace_length gives for `tape` (NGPU_TAPE_STEP or NGPU_TAPE_WHOLE: the same results, bit
 * for bit; the first recomputes each step's forward pass before its backward pass).
 */
double ngpu_step(const ngpu_model *m, const int *inputs, const int *targets, const float *const *masks,
                 float *const *grads, float *predicted, float *work, ngpu_tape tape);

/* The argmax predictions [batch, target_width] without dropout. */
void ngpu_predict(const ngpu_model *m, const int *inputs, float *predicted, float *work);

#endif
