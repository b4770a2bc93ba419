/*
 * The NRAM's backward step over a batch (see nram.c): the forward step's operations in reverse,
 * each differentiated by hand. Carried between steps, per example: the gradient of the memory and
 * registers after the step (dmem, dregs), of the probability of not having stopped (drem), and the
 * LSTM's (dh, dc).
 */
#include <cblas.h>
#include <math.h>
#include <string.h>

#include "nram_impl.h"

/* Gradient dv of a mixture v = Σ_{j<n} p_j x_j: dp_j = ⟨dv, x_j⟩ into dp, p_j dv into dcand. */
static void mixture_back(nram_ctx *c, int t, int b, const float *p, int n, const float *dv, float *dp) {
  const int M = c->m->memory;
  for (int j = 0; j < n; j++) {
    const float *x = nram_candidate(c, t, b, j);
    float *dx = c->dcand + j * M, dot = 0;
    for (int k = 0; k < M; k++) {
      dot += dv[k] * x[k];
      dx[k] += p[j] * dv[k];
    }
    dp[j] = dot;
  }
}

/* The gradient of gate q's inputs (into dgin's rows) from its output's (dcand's row R + q). */
static void gate_back(nram_ctx *c, int q, const float *mem, float *dmem, const float *gin) {
  const int M = c->m->memory, R = c->m->registers, row = c->layout.input_row[q];
  const float *a = gin + row * M, *v = a + M, *dout = c->dcand + (R + q) * M;
  const int *table = c->table + q * M * M;
  float *da = c->dgin + row * M, *dv = da + M;
  memset(da, 0, sizeof(float) * M * nram_arity[q]);
  if (q == NRAM_WRITE) {
    /* next = mem − p mem + p v per row; dmem (of next) becomes the gradient of mem. */
    for (int i = 0; i < M; i++) {
      for (int k = 0; k < M; k++) {
        const float g = dmem[i * M + k];
        da[i] += g * (v[k] - mem[i * M + k]);
        dv[k] += g * a[i];
        dmem[i * M + k] = g - a[i] * g;
      }
    }
  } else if (q == NRAM_READ) {
    for (int i = 0; i < M; i++) {
      for (int k = 0; k < M; k++) {
        da[i] += dout[k] * mem[i * M + k];
        dmem[i * M + k] += a[i] * dout[k];
      }
    }
  } else if (nram_arity[q] == 1) {
    for (int i = 0; i < M; i++) da[i] = dout[table[i * M]];
  } else {
    for (int i = 0; i < M; i++) {
      for (int k = 0; k < M; k++) {
        const float g = dout[table[i * M + k]];
        da[i] += g * v[k];
        dv[k] += g * a[i];
      }
    }
  }
}

/* Example b at step t: from the carried gradients and the loss, dP of every row into dlog[b]. */
static void machine_back(nram_ctx *c, int t, int b, int target) {
  const nram_model *m = c->m;
  const int B = m->batch, M = m->memory, R = m->registers, T = m->timesteps;
  const nram_layout *l = &c->layout;
  const size_t ex = (size_t)t * B + b;
  const float *prob = c->prob + ex * l->outputs, *mem = c->mem + ex * M * M, *gin = c->gin + ex * l->inputs * M;
  float *dmem = c->dmem + (size_t)b * M * M, *dregs = c->dregs + (size_t)b * R * M;
  float *dp = c->dlog + (size_t)b * l->outputs;
  /* The loss term pₜ · −log max(out, clamp), pₜ = remₜ fₜ, remₜ₊₁ = remₜ (1 − fₜ); mean over B. */
  const float out = c->out[ex * M + target], weight = c->stop[ex], rem = c->rem[ex];
  const float dweight = -logf(fmaxf(out, NRAM_LOG_CLAMP)) / B;
  if (out >= NRAM_LOG_CLAMP) dmem[2 * M + target] -= weight / (B * out);
  const float f = t == T - 1 ? 1.0f : prob[l->outputs - 1], dnext = c->drem[b];
  const float df = (dweight - dnext) * rem;
  c->drem[b] = dweight * f + dnext * (1.0f - f);
  dp[l->outputs - 1] = t == T - 1 ? 0.0f : df * f * (1.0f - f);
  memset(c->dcand, 0, sizeof(float) * (R + NRAM_GATES) * M);
  /* Registers: regs = next / Σ next, each next a mixture of every candidate. */
  for (int i = 0; i < R; i++) {
    const int r = l->inputs + i;
    if (t == T - 1) {
      memset(dp + l->start[r], 0, sizeof(float) * l->len[r]);
      continue;
    }
    const float *x = c->regs + ((ex + B) * R + i) * M, *dx = dregs + i * M, sum = c->sums[ex * R + i];
    float dot = 0, dv[NRAM_MAX_MEMORY];
    for (int k = 0; k < M; k++) dot += dx[k] * x[k];
    for (int k = 0; k < M; k++) dv[k] = (dx[k] - dot) / sum;
    mixture_back(c, t, b, prob + l->start[r], l->len[r], dv, dp + l->start[r]);
  }
  /* Gates in reverse: WRITE first turns dmem into the gradient of the memory before this step. */
  for (int q = NRAM_GATES - 1; q >= 0; q--) {
    if (nram_arity[q] == 0) continue;
    gate_back(c, q, mem, dmem, gin);
    for (int k = 0; k < nram_arity[q]; k++) {
      const int r = l->input_row[q] + k;
      mixture_back(c, t, b, prob + l->start[r], l->len[r], c->dgin + r * M, dp + l->start[r]);
    }
  }
  memcpy(dregs, c->dcand, sizeof(float) * R * M);
}

/* dP to logit gradients per row (softmax), plus the entropy bonus's −bonus · w_r / (T B) · ∂H. */
static void choices_back(nram_ctx *c, int t, int b, double bonus) {
  const nram_layout *l = &c->layout;
  const size_t at = ((size_t)t * c->m->batch + b) * l->outputs;
  const float *prob = c->prob + at, *logp = c->logp + at;
  float *d = c->dlog + (size_t)b * l->outputs;
  const double scale = bonus / ((double)c->m->timesteps * c->m->batch);
  for (int r = 0; r < l->rows; r++) {
    const int s = l->start[r], n = l->len[r];
    float dot = 0, h = 0;
    for (int j = 0; j < n; j++) {
      dot += prob[s + j] * d[s + j];
      h -= prob[s + j] * logp[s + j];
    }
    const float e = (float)(scale * l->weight[r]);
    for (int j = 0; j < n; j++) d[s + j] = prob[s + j] * (d[s + j] - dot) + e * prob[s + j] * (logp[s + j] + h);
  }
}

/* The controller's gradient from dlog: weights into grads, dx into dregs' column 0. */
static void controller_back(nram_ctx *c, int t, float *const *grads) {
  const nram_model *m = c->m;
  const int B = m->batch, R = m->registers, H = m->hidden, M = m->memory, O = c->layout.outputs;
  const int in = c->in, act = c->act;
  const size_t step = (size_t)t * B;
  const float *hid = c->hid + step * H, *xin = c->xin + step * in, *acts = c->acts + step * act;
  cblas_sgemm(CblasRowMajor, CblasTrans, CblasNoTrans, H, O, B, 1.0f, hid, H, c->dlog, O, 1.0f, grads[2], O);
  for (int b = 0; b < B; b++)
    for (int j = 0; j < O; j++) grads[3][j] += c->dlog[(size_t)b * O + j];
  cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, B, H, O, 1.0f, c->dlog, O, m->params[2], O, 0.0f, c->dhid,
              H);
  if (m->controller == NRAM_LSTM) {
    for (int b = 0; b < B; b++) {
      const float *a = acts + (size_t)b * act, *tc = c->tanhc + (step + b) * H;
      float *dz = c->dz + (size_t)b * act;
      for (int u = 0; u < H; u++) {
        const float i = a[u], f = a[H + u], g = a[2 * H + u], o = a[3 * H + u];
        const float previous = t == 0 ? 0.0f : c->cell[(step - B + b) * H + u];
        const float dh = c->dhid[b * H + u] + c->dh[b * H + u];
        const float dcell = c->dc[b * H + u] + dh * o * (1.0f - tc[u] * tc[u]);
        dz[u] = dcell * g * i * (1.0f - i);
        dz[H + u] = dcell * previous * f * (1.0f - f);
        dz[2 * H + u] = dcell * i * (1.0f - g * g);
        dz[3 * H + u] = dh * tc[u] * o * (1.0f - o);
        c->dc[b * H + u] = dcell * f;
      }
    }
  } else {
    for (size_t i = 0; i < (size_t)B * H; i++) c->dz[i] = acts[i] > 0 ? c->dhid[i] : 0.0f;
  }
  cblas_sgemm(CblasRowMajor, CblasTrans, CblasNoTrans, in, act, B, 1.0f, xin, in, c->dz, act, 1.0f, grads[0], act);
  for (int b = 0; b < B; b++)
    for (int j = 0; j < act; j++) grads[1][j] += c->dz[(size_t)b * act + j];
  cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, B, in, act, 1.0f, c->dz, act, m->params[0], act, 0.0f,
              c->dxin, in);
  for (int b = 0; b < B; b++) {
    for (int i = 0; i < R; i++) c->dregs[((size_t)b * R + i) * M] += c->dxin[(size_t)b * in + i];
    if (m->controller == NRAM_LSTM) memcpy(c->dh + (size_t)b * H, c->dxin + (size_t)b * in + R, sizeof(float) * H);
  }
}

void nram_backward_step(nram_ctx *c, int t, const int *targets, double bonus, float *const *grads) {
  for (int b = 0; b < c->m->batch; b++) {
    machine_back(c, t, b, targets[b]);
    choices_back(c, t, b, bonus);
  }
  controller_back(c, t, grads);
}
