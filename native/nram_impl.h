/* The NRAM's internals shared by nram.c, nram_forward.c and nram_backward.c. */
#ifndef GRADNOISE_NRAM_IMPL_H
#define GRADNOISE_NRAM_IMPL_H

#include "nram.h"

/* Gate input rows (Σ arity over the gates) plus registers, at most. */
#define NRAM_MAX_ROWS (2 * NRAM_GATES + NRAM_MAX_REGISTERS)

/* A probability below this is clamped before its logarithm (float32 cannot hold 1e-100). */
#define NRAM_LOG_CLAMP 1e-7f

/* Each gate's arity, in the gates' order. */
extern const int nram_arity[NRAM_GATES];

/*
 * The controller's compact outputs as rows of choices (src/trainers/nram/circuit.ts): every gate
 * input, then every register, each a softmax over its first `len` candidates (register j is
 * candidate j, gate q's output candidate R + q); the stopping logit is the last output.
 */
typedef struct {
  int rows, inputs, outputs;
  int start[NRAM_MAX_ROWS], len[NRAM_MAX_ROWS];
  /* Gate q's first input row; -1 for constant gates. */
  int input_row[NRAM_GATES];
  /* Each row's weight in a step's entropy: the mean over choices of their rows' mean. */
  float weight[NRAM_MAX_ROWS];
} nram_layout;

void nram_layout_of(int registers, nram_layout *layout);

/*
 * One call's state: the model, the layout, the integer tables, and the tape carved from the
 * workspace. Arrays "per step" hold `timesteps` blocks of `batch` rows; mem and regs hold
 * `timesteps + 1` (the state before each step and after the last).
 */
typedef struct {
  const nram_model *m;
  nram_layout layout;
  /* [NRAM_GATES][M·M]: gate q's result on (a, b) at a·M + b (unary gates: b = 0). */
  int *table;
  int in, act; /* controller input width (R, or R + H) and pre-activation width (H, or 4H) */
  float *xin, *acts, *cell, *tanhc, *hid, *prob, *logp, *sums, *gin, *gout, *out, *rem, *stop;
  float *mem, *regs;
  /* Backward scratch. */
  float *dmem, *dregs, *drem, *dlog, *dhid, *dz, *dxin, *dh, *dc, *dcand, *dgin;
} nram_ctx;

/* Forward step t for the whole batch (controller, choices, gates, registers, stopping). */
void nram_forward_step(nram_ctx *c, int t);

/* Backward step t for the whole batch, accumulating into grads (zeroed by the caller). */
void nram_backward_step(nram_ctx *c, int t, const int *targets, double bonus, float *const *grads);

/* The candidate j of example b at step t: register j, or gate j − R's output. */
static inline const float *nram_candidate(const nram_ctx *c, int t, int b, int j) {
  const nram_model *m = c->m;
  const int M = m->memory, R = m->registers;
  if (j < R) return c->regs + (((size_t)t * m->batch + b) * R + j) * M;
  return c->gout + (((size_t)t * m->batch + b) * NRAM_GATES + (j - R)) * M;
}

#endif
