/*
 * The Neural Random-Access Machine (paper §4.4; Kurach et al., 2016, §3) for the nram trainer's
 * `native` step: the same machine as src/trainers/nram (machine.ts, gates.ts, controller.ts),
 * unrolled for T steps forward and differentiated backward by hand, one call per batch.
 *
 * Why by hand: a step of the machine is a few million multiply-adds, but as tfjs ops it is
 * thousands of tiny kernels (a softmax, a mixture and a gate per gate per timestep), whose
 * per-kernel cost dominates. Here the controller's products are CBLAS calls over the batch and the
 * machine is plain loops per example, on a tape kept in the caller's workspace.
 *
 * Per example and step (nram_forward.c): the controller sees P(rᵢ = 0); each gate input is a
 * softmax mixture of the registers and earlier gates' outputs; the gates run in order (READ sees
 * the memory before this step's WRITE); each register's new value is a mixture of registers and
 * all gate outputs, renormalised; fₜ = σ(stop logit), forced to 1 at the last step, and
 * pₜ = fₜ Π_{i<t}(1 − fᵢ). The backward pass (nram_backward.c) walks the same steps in reverse.
 */
#include "nram.h"

#include <math.h>
#include <string.h>

#include "nram_impl.h"

const int nram_arity[NRAM_GATES] = {1, 0, 0, 0, 1, 2, 2, 1, 2, 2, 2, 2, 2, 2};

int nram_outputs(int registers) {
  int n = 0;
  for (int q = 0; q < NRAM_GATES; q++) n += nram_arity[q] * (registers + q);
  return n + registers * (registers + NRAM_GATES) + 1;
}

void nram_layout_of(int registers, nram_layout *l) {
  const int R = registers;
  int groups = 1, rows = 0, compact = 0;
  for (int q = 0; q < NRAM_GATES; q++) groups += nram_arity[q] > 0;
  for (int q = 0; q < NRAM_GATES; q++) {
    l->input_row[q] = nram_arity[q] > 0 ? rows : -1;
    for (int k = 0; k < nram_arity[q]; k++, rows++) {
      l->start[rows] = compact;
      l->len[rows] = R + q;
      l->weight[rows] = 1.0f / (float)(nram_arity[q] * groups);
      compact += R + q;
    }
  }
  l->inputs = rows;
  for (int i = 0; i < R; i++, rows++) {
    l->start[rows] = compact;
    l->len[rows] = R + NRAM_GATES;
    l->weight[rows] = 1.0f / (float)(R * groups);
    compact += R + NRAM_GATES;
  }
  l->rows = rows;
  l->outputs = compact + 1;
}

static int widths(const nram_model *m, int *in, int *act) {
  const int lstm = m->controller == NRAM_LSTM;
  *in = m->registers + (lstm ? m->hidden : 0);
  *act = lstm ? 4 * m->hidden : m->hidden;
  return lstm;
}

size_t nram_param_length(const nram_model *m, int index) {
  int in, act;
  widths(m, &in, &act);
  const size_t outputs = (size_t)nram_outputs(m->registers);
  switch (index) {
    case 0: return (size_t)in * act;
    case 1: return (size_t)act;
    case 2: return (size_t)m->hidden * outputs;
    default: return outputs;
  }
}

/* Carves the workspace into c's arrays (work NULL: only counts); returns the floats used. */
static size_t carve(nram_ctx *c, float *work) {
  const nram_model *m = c->m;
  const size_t B = (size_t)m->batch, T = (size_t)m->timesteps, M = (size_t)m->memory, R = (size_t)m->registers;
  const size_t H = (size_t)m->hidden, O = (size_t)c->layout.outputs, NI = (size_t)c->layout.inputs;
  const int lstm = widths(m, &c->in, &c->act);
  const size_t in = (size_t)c->in, act = (size_t)c->act, G = NRAM_GATES;
  size_t used = 0;
#define TAKE(field, n)                            \
  do {                                            \
    if (work != NULL) c->field = work + used;     \
    used += (n);                                  \
  } while (0)
  TAKE(xin, T * B * in);
  TAKE(acts, T * B * act);
  TAKE(cell, lstm ? T * B * H : 0);
  TAKE(tanhc, lstm ? T * B * H : 0);
  TAKE(hid, T * B * H);
  TAKE(prob, T * B * O);
  TAKE(logp, T * B * O);
  TAKE(sums, T * B * R);
  TAKE(gin, T * B * NI * M);
  TAKE(gout, T * B * G * M);
  TAKE(out, T * B * M);
  TAKE(rem, T * B);
  TAKE(stop, T * B);
  TAKE(mem, (T + 1) * B * M * M);
  TAKE(regs, (T + 1) * B * R * M);
  TAKE(dmem, B * M * M);
  TAKE(dregs, B * R * M);
  TAKE(drem, B);
  TAKE(dlog, B * O);
  TAKE(dhid, B * H);
  TAKE(dz, B * act);
  TAKE(dxin, B * in);
  TAKE(dh, B * H);
  TAKE(dc, B * H);
  TAKE(dcand, (R + G) * M);
  TAKE(dgin, NI * M);
#undef TAKE
  /* The integer tables, as ints in floats' room: only ever read and written as ints. */
  if (work != NULL) c->table = (int *)(work + used);
  used += G * M * M * sizeof(int) / sizeof(float);
  return used;
}

size_t nram_workspace_length(const nram_model *m) {
  nram_ctx c = {.m = m};
  nram_layout_of(m->registers, &c.layout);
  return carve(&c, NULL);
}

/* The integer operation of gate q on (a, b) mod M (READ and WRITE have none: 0). */
static int gate_value(int q, int M, int a, int b) {
  switch (q) {
    case NRAM_ONE: return 1 % M;
    case NRAM_TWO: return 2 % M;
    case NRAM_INC: return (a + 1) % M;
    case NRAM_DEC: return (a + M - 1) % M;
    case NRAM_ADD: return (a + b) % M;
    case NRAM_SUB: return (a - b + M) % M;
    case NRAM_LESS_THAN: return a < b;
    case NRAM_LESS_OR_EQUAL: return a <= b;
    case NRAM_EQUAL: return a == b;
    case NRAM_MIN: return a < b ? a : b;
    case NRAM_MAX: return a > b ? a : b;
    default: return 0;
  }
}

/* The entropy of row r of example b at step t, −Σ p log p over its candidates. */
static double row_entropy(const nram_ctx *c, int t, int b, int r) {
  const size_t at = ((size_t)t * c->m->batch + b) * c->layout.outputs + c->layout.start[r];
  double h = 0;
  for (int j = 0; j < c->layout.len[r]; j++) h -= (double)c->prob[at + j] * c->logp[at + j];
  return h;
}

double nram_run(const nram_model *m, const int *memory, const int *targets, double bonus, float *const *grads,
                int *answers, float *losses, float *work) {
  nram_ctx c = {.m = m};
  nram_layout_of(m->registers, &c.layout);
  carve(&c, work);
  const int B = m->batch, T = m->timesteps, M = m->memory, R = m->registers;
  for (int q = 0; q < NRAM_GATES; q++)
    for (int a = 0; a < M; a++)
      for (int v = 0; v < M; v++) c.table[(q * M + a) * M + v] = gate_value(q, M, a, v);
  /* Memory one-hot from the integers; registers one-hot at 0; nothing stopped yet. */
  memset(c.mem, 0, sizeof(float) * B * M * M);
  memset(c.regs, 0, sizeof(float) * B * R * M);
  for (int b = 0; b < B; b++) {
    for (int i = 0; i < M; i++) c.mem[((size_t)b * M + i) * M + memory[b * M + i]] = 1;
    for (int i = 0; i < R; i++) c.regs[((size_t)b * R + i) * M] = 1;
  }
  for (int t = 0; t < T; t++) nram_forward_step(&c, t);
  double total = 0, entropy = 0;
  for (int b = 0; b < B; b++) {
    float expected[NRAM_MAX_MEMORY] = {0};
    double loss = 0;
    for (int t = 0; t < T; t++) {
      const float p = c.stop[(size_t)t * B + b], *out = c.out + ((size_t)t * B + b) * M;
      for (int v = 0; v < M; v++) expected[v] += p * out[v];
      loss += p * -log(fmaxf(out[targets[b]], NRAM_LOG_CLAMP));
    }
    int best = 0;
    for (int v = 1; v < M; v++) best = expected[v] > expected[best] ? v : best;
    answers[b] = best;
    if (losses != NULL) losses[b] = (float)loss;
    total += loss;
    if (bonus != 0)
      for (int t = 0; t < T; t++)
        for (int r = 0; r < c.layout.rows; r++) entropy += c.layout.weight[r] * row_entropy(&c, t, b, r);
  }
  const double objective = total / B - bonus * entropy / ((double)B * T);
  if (grads != NULL) {
    for (int i = 0; i < 4; i++) memset(grads[i], 0, sizeof(float) * nram_param_length(m, i));
    memset(c.dmem, 0, sizeof(float) * B * M * M);
    memset(c.dregs, 0, sizeof(float) * B * R * M);
    memset(c.drem, 0, sizeof(float) * B);
    memset(c.dh, 0, sizeof(float) * B * m->hidden);
    memset(c.dc, 0, sizeof(float) * B * m->hidden);
    for (int t = T - 1; t >= 0; t--) nram_backward_step(&c, t, targets, bonus, grads);
  }
  return objective;
}
