/*
 * The Neural GPU of the neural_gpu trainer (paper §4.5; Kaiser & Sutskever 2016), the same model as
 * src/trainers/neural_gpu/model.ts + head.ts + bptt.ts, forward and backward through time on CBLAS.
 *
 * State s [batch, width, height, maps] (row-major, as tfjs stores it); the input symbols' embeddings
 * in row 0 of s₀, zeros below. Each of `width` steps applies every CGRU layer (parameters tied
 * across steps):
 *   u = σ_c(U * s + B),  r = σ_c(U' * s + B'),  p = tanh(U'' * (r ⊙ s) + B''),
 *   c = p ⊙ mask (or p),  s' = c + u ⊙ (s − c),
 * with * the stride-1 "same" convolution (kernel [kw, kh, in, out]) and σ_c(x) = clip(c·σ(x) −
 * (c − 1)/2, 0, 1), whose gradient is zero where the clip bites (tfjs's clipByValue: it passes at
 * the bounds). Logits: row 0 of the last state × the output kernel + bias; loss: the mean softmax
 * cross-entropy over the first target_width columns.
 *
 * A convolution is im2col (one row of kw·kh·maps inputs per output position) and sgemm, in blocks
 * of positions (ngpu_conv.c); the update and reset gates read the same input, so they are one sgemm
 * against both kernels packed side by side (2·maps columns). Backward per layer: dK += im2colᵀ · dZ,
 * dX = col2im(dZ · Kᵀ), db = column sums. The elementwise work is in ngpu_cell.c.
 *
 * Memory: the backward pass reads every layer's input and its gates' sigmoids and tanh of every step
 * (the "tape"). With NGPU_TAPE_WHOLE it is kept from the forward pass, so nothing is computed twice,
 * as autograd does; with NGPU_TAPE_STEP (the caller's choice for long inputs) only the states
 * between steps are kept and each step's tape is recomputed from its state just before its
 * backward pass (one more forward pass, the same values bit for bit). Everything lives in the
 * caller's workspace: a step allocates nothing, so the hundreds of megabytes of a long unroll are
 * not mapped and faulted in anew each step.
 */
#include "neural_gpu.h"

#include <string.h>

#include "ngpu_cell.h"
#include "ngpu_conv.h"
#include "ngpu_head.h"

#define EMBEDDING(m) ((m)->params[0])
#define UPDATE_KERNEL(m, l) ((m)->params[1 + 6 * (l)])
#define UPDATE_BIAS(m, l) ((m)->params[2 + 6 * (l)])
#define RESET_KERNEL(m, l) ((m)->params[3 + 6 * (l)])
#define RESET_BIAS(m, l) ((m)->params[4 + 6 * (l)])
#define CANDIDATE_KERNEL(m, l) ((m)->params[5 + 6 * (l)])
#define CANDIDATE_BIAS(m, l) ((m)->params[6 + 6 * (l)])
#define OUTPUT_KERNEL(m) ((m)->params[1 + 6 * (m)->layers])
#define OUTPUT_BIAS(m) ((m)->params[2 + 6 * (m)->layers])

typedef struct {
  const ngpu_model *m;
  ngpu_conv conv;
  ngpu_cell cell;
  size_t S, A; /* floats of one state; of one step's tape */
  int full;    /* whole tape kept (else recomputed per step) */
  float *states, *tape, *kg, *dkg, *cols, *zg, *zc, *rs, *ds, *dn, *drs;
} ctx;

size_t ngpu_param_length(const ngpu_model *m, int index) {
  const size_t M = (size_t)m->maps;
  if (index == 0) return (size_t)m->symbols * M;
  if (index == 1 + 6 * m->layers) return M * (size_t)m->classes;
  if (index == 2 + 6 * m->layers) return (size_t)m->classes;
  return (index - 1) % 2 == 0 ? (size_t)m->kw * m->kh * M * M : M;
}

/* Lays the workspace out (work may be NULL to measure); returns its length in floats. */
static size_t layout(ctx *g, const ngpu_model *m, ngpu_tape tape, float *work) {
  const int training = tape != NGPU_TAPE_NONE;
  g->m = m;
  g->conv = ngpu_conv_of(m->batch, m->width, m->height, m->maps, m->kw, m->kh);
  const size_t S = g->conv.positions * m->maps, P = g->conv.positions, K = g->conv.depth;
  const size_t M2 = 2 * (size_t)m->maps, L = (size_t)m->layers;
  g->S = S;
  g->A = (4 * L - 1) * S;
  g->full = tape == NGPU_TAPE_WHOLE;
  /* tfjs computes (c − 1)/2 in float64 and rounds it to float32, as here. */
  g->cell = (ngpu_cell){g->conv.positions, m->maps, (float)m->cutoff, (float)((m->cutoff - 1) / 2)};
  size_t at = 0;
#define TAKE(field, count)                   \
  do {                                       \
    g->field = work == NULL ? NULL : work + at; \
    at += (count);                           \
  } while (0)
  TAKE(states, (training ? (size_t)m->width + 1 : 2) * S);
  TAKE(tape, (g->full ? (size_t)m->width : 1) * g->A);
  TAKE(kg, L * K * M2);
  TAKE(dkg, training ? L * K * M2 : 0);
  TAKE(cols, (P < NGPU_BLOCK ? P : NGPU_BLOCK) * K);
  TAKE(zg, P * M2);
  TAKE(zc, S);
  TAKE(rs, S);
  TAKE(ds, training ? S : 0);
  TAKE(dn, training ? S : 0);
  TAKE(drs, training ? S : 0);
#undef TAKE
  return at;
}

size_t ngpu_workspace_length(const ngpu_model *m, ngpu_tape tape) {
  ctx g;
  return layout(&g, m, tape, NULL);
}

/* Layer l's input (l ≥ 1), update and reset sigmoids, and tanh in the step tape at `base`. */
static float *tape_input(const ctx *g, float *base, int l) { return base + (size_t)(l - 1) * g->S; }
static float *tape_update(const ctx *g, float *base, int l) { return base + (size_t)(g->m->layers - 1 + l) * g->S; }
static float *tape_reset(const ctx *g, float *base, int l) { return base + (size_t)(2 * g->m->layers - 1 + l) * g->S; }
static float *tape_tanh(const ctx *g, float *base, int l) { return base + (size_t)(3 * g->m->layers - 1 + l) * g->S; }

static void layer_forward(ctx *g, int l, const float *x, float *su, float *sr, float *p, float *out,
                          const float *mask) {
  const ngpu_model *m = g->m;
  const size_t K = g->conv.depth, M = (size_t)m->maps;
  ngpu_conv_forward(&g->conv, x, g->kg + (size_t)l * K * 2 * M, 2 * M, g->zg, g->cols);
  ngpu_cell_gates(&g->cell, g->zg, UPDATE_BIAS(m, l), RESET_BIAS(m, l), x, su, sr, g->rs);
  ngpu_conv_forward(&g->conv, g->rs, CANDIDATE_KERNEL(m, l), M, g->zc, g->cols);
  ngpu_cell_output(&g->cell, g->zc, CANDIDATE_BIAS(m, l), x, su, mask, p, out);
}

/* dout → dx (written), the layer's parameter gradients accumulated. */
static void layer_backward(ctx *g, int l, const float *x, const float *su, const float *sr, const float *p,
                           const float *mask, const float *dout, float *dx, float *const *grads) {
  const size_t K = g->conv.depth, M = (size_t)g->m->maps;
  float *dzg = g->zg, *dzc = g->zc, *kg = g->kg + (size_t)l * K * 2 * M;
  ngpu_cell_output_grad(&g->cell, x, su, sr, p, mask, dout, dx, dzc, dzg, g->rs, grads[6 + 6 * l]);
  memset(g->drs, 0, g->S * sizeof(float));
  ngpu_conv_backward(&g->conv, g->rs, dzc, CANDIDATE_KERNEL(g->m, l), M, grads[5 + 6 * l], g->drs, g->cols);
  ngpu_cell_reset_grad(&g->cell, x, sr, g->drs, dx, dzg, grads[2 + 6 * l], grads[4 + 6 * l]);
  ngpu_conv_backward(&g->conv, x, dzg, kg, 2 * M, g->dkg + (size_t)l * K * 2 * M, dx, g->cols);
}

/* One unrolled step from s_in to s_out, its tape at `base`. */
static void step_forward(ctx *g, const float *s_in, float *base, float *s_out, const float *const *masks) {
  const int L = g->m->layers;
  for (int l = 0; l < L; l++) {
    const float *x = l == 0 ? s_in : tape_input(g, base, l);
    float *out = l == L - 1 ? s_out : tape_input(g, base, l + 1);
    layer_forward(g, l, x, tape_update(g, base, l), tape_reset(g, base, l), tape_tanh(g, base, l), out,
                  masks == NULL ? NULL : masks[l]);
  }
}

/* Packs each layer's update and reset kernels side by side: [K, 2·maps]. */
static void pack_gates(ctx *g) {
  const size_t K = g->conv.depth, M = (size_t)g->m->maps;
  for (int l = 0; l < g->m->layers; l++) {
    float *kg = g->kg + (size_t)l * K * 2 * M;
    for (size_t k = 0; k < K; k++) {
      memcpy(kg + k * 2 * M, UPDATE_KERNEL(g->m, l) + k * M, M * sizeof(float));
      memcpy(kg + k * 2 * M + M, RESET_KERNEL(g->m, l) + k * M, M * sizeof(float));
    }
  }
}

/* s₀: each input symbol's embedding in row 0, zeros below. */
static void embed(const ctx *g, const int *inputs, float *s0) {
  const ngpu_model *m = g->m;
  const size_t M = (size_t)m->maps, columns = (size_t)m->batch * m->width;
  memset(s0, 0, g->S * sizeof(float));
  for (size_t nw = 0; nw < columns; nw++)
    memcpy(s0 + nw * m->height * M, EMBEDDING(m) + (size_t)inputs[nw] * M, M * sizeof(float));
}

static void unroll(ctx *g, const int *inputs, const float *const *masks, int training) {
  pack_gates(g);
  embed(g, inputs, g->states);
  for (int t = 0; t < g->m->width; t++) {
    float *base = g->full ? g->tape + (size_t)t * g->A : g->tape;
    const int to = training ? t + 1 : (t + 1) % 2, from = training ? t : t % 2;
    step_forward(g, g->states + (size_t)from * g->S, base, g->states + (size_t)to * g->S, masks);
  }
}

double ngpu_step(const ngpu_model *m, const int *inputs, const int *targets, const float *const *masks,
                 float *const *grads, float *predicted, float *work, ngpu_tape tape) {
  ctx g;
  layout(&g, m, tape == NGPU_TAPE_WHOLE ? NGPU_TAPE_WHOLE : NGPU_TAPE_STEP, work);
  const int L = m->layers, W = m->width;
  const size_t K = g.conv.depth, M = (size_t)m->maps;
  unroll(&g, inputs, masks, 1);
  for (int i = 0; i < ngpu_param_count(L); i++) memset(grads[i], 0, ngpu_param_length(m, i) * sizeof(float));
  memset(g.dkg, 0, (size_t)L * K * 2 * M * sizeof(float));
  const double loss = ngpu_readout(&g.conv, m->target_width, m->classes, g.states + (size_t)W * g.S,
                                   OUTPUT_KERNEL(m), OUTPUT_BIAS(m), targets, predicted, g.ds,
                                   grads[1 + 6 * L], grads[2 + 6 * L]);
  for (int t = W - 1; t >= 0; t--) {
    float *base = g.full ? g.tape + (size_t)t * g.A : g.tape;
    float *s_in = g.states + (size_t)t * g.S;
    if (!g.full) step_forward(&g, s_in, base, g.states + (size_t)(t + 1) * g.S, masks);
    for (int l = L - 1; l >= 0; l--) {
      const float *x = l == 0 ? s_in : tape_input(&g, base, l);
      layer_backward(&g, l, x, tape_update(&g, base, l), tape_reset(&g, base, l), tape_tanh(&g, base, l),
                     masks == NULL ? NULL : masks[l], g.ds, g.dn, grads);
      float *swap = g.ds;
      g.ds = g.dn;
      g.dn = swap;
    }
  }
  /* The embedding's gradient: row 0 of ds₀, gathered by symbol. */
  const size_t columns = (size_t)m->batch * W;
  for (size_t nw = 0; nw < columns; nw++) {
    float *de = grads[0] + (size_t)inputs[nw] * M;
    const float *d = g.ds + nw * m->height * M;
    for (size_t j = 0; j < M; j++) de[j] += d[j];
  }
  for (int l = 0; l < L; l++) {
    const float *dkg = g.dkg + (size_t)l * K * 2 * M;
    for (size_t k = 0; k < K; k++) {
      memcpy(grads[1 + 6 * l] + k * M, dkg + k * 2 * M, M * sizeof(float));
      memcpy(grads[3 + 6 * l] + k * M, dkg + k * 2 * M + M, M * sizeof(float));
    }
  }
  return loss;
}

void ngpu_predict(const ngpu_model *m, const int *inputs, float *predicted, float *work) {
  ctx g;
  layout(&g, m, NGPU_TAPE_NONE, work);
  unroll(&g, inputs, NULL, 0);
  ngpu_readout(&g.conv, m->target_width, m->classes, g.states + (size_t)(m->width % 2) * g.S,
               OUTPUT_KERNEL(m), OUTPUT_BIAS(m), NULL, predicted, NULL, NULL, NULL);
}
