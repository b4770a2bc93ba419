/* The Neural Random-Access Machine on CBLAS (paper §4.4; Kurach et al., 2016): see nram.c. */
#ifndef GRADNOISE_NRAM_H
#define GRADNOISE_NRAM_H

#include <stddef.h>

/* Entries of the shape array, in this order. */
enum { NRAM_BATCH, NRAM_MEMORY, NRAM_REGISTERS, NRAM_TIMESTEPS, NRAM_CONTROLLER, NRAM_HIDDEN, NRAM_SHAPE_LENGTH };

/* The controller kinds (shape[NRAM_CONTROLLER]). */
enum { NRAM_FEEDFORWARD = 0, NRAM_LSTM = 1 };

/* The gates, in the trainer's order (src/trainers/nram/gates.ts). */
enum {
  NRAM_READ,
  NRAM_ZERO,
  NRAM_ONE,
  NRAM_TWO,
  NRAM_INC,
  NRAM_ADD,
  NRAM_SUB,
  NRAM_DEC,
  NRAM_LESS_THAN,
  NRAM_LESS_OR_EQUAL,
  NRAM_EQUAL,
  NRAM_MIN,
  NRAM_MAX,
  NRAM_WRITE,
  NRAM_GATES
};

/* Limits the caller checks the shape against (the trainer's own are tighter). */
#define NRAM_MAX_MEMORY 64
#define NRAM_MAX_REGISTERS 32

/*
 * One batch of the machine: the shape (checked by the caller: every entry at least 1 but the
 * controller, 0 or 1; memory ≥ 3 (cell 2 is the output), memory and registers within the limits
 * above) and the parameters in the trainer's `namedVariables` order: the hidden kernel (LSTM:
 * [R + H, 4H], gates i, f, g, o; feed-forward: [R, H]) and bias ([4H] or [H]), the output kernel
 * [H, outputs] and bias [outputs], outputs = nram_outputs(R).
 */
typedef struct {
  int batch, memory, registers, timesteps, controller, hidden;
  const float *const *params;
} nram_model;

/* The controller's outputs: each gate's input choices, each register's choice, the stopping logit. */
int nram_outputs(int registers);

/* Floats of each parameter array `index` (0 to 3) of the model. */
size_t nram_param_length(const nram_model *m, int index);

/* Floats of workspace nram_run needs. */
size_t nram_workspace_length(const nram_model *m);

/*
 * Unrolls the machine on `memory` [batch, M] (integers in [0, M)) for T steps and scores cell 2
 * against `targets` [batch]. Writes each example's answer (the argmax of the expected cell 2 at
 * the stop, the first on ties) into `answers` and its loss, Σₜ pₜ · −log max(Mₜ[2, target], 1e-7),
 * into `losses` (NULL: not written). With `grads` (NULL: forward only) writes the gradient of the
 * objective, the mean loss minus `bonus` times the mean entropy of the choices, into each array
 * (the parameters' order and shapes). Returns that objective (bonus 0: the mean loss).
 */
double nram_run(const nram_model *m, const int *memory, const int *targets, double bonus, float *const *grads,
                int *answers, float *losses, float *work);

#endif
