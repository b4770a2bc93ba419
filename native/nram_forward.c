/* The NRAM's forward step over a batch, recording the tape (see nram.c). */
#include <cblas.h>
#include <math.h>
#include <string.h>

#include "nram_impl.h"

static inline float sigmoid(float x) { return 1.0f / (1.0f + expf(-x)); }

/* logits = bias + x kernel for the batch: x [B, k], kernel [k, n], into y [B, n]. */
static void affine(int batch, int k, int n, const float *x, const float *kernel, const float *bias, float *y) {
  for (int b = 0; b < batch; b++) memcpy(y + (size_t)b * n, bias, sizeof(float) * n);
  cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, batch, n, k, 1.0f, x, k, kernel, n, 1.0f, y, n);
}

/* The controller on P(rᵢ = 0): hidden state and logits (into logp, made log-probabilities later). */
static void controller(nram_ctx *c, int t) {
  const nram_model *m = c->m;
  const int B = m->batch, R = m->registers, H = m->hidden, M = m->memory, O = c->layout.outputs;
  const size_t step = (size_t)t * B;
  float *xin = c->xin + step * c->in, *acts = c->acts + step * c->act, *hid = c->hid + step * H;
  const float *regs = c->regs + step * R * M;
  for (int b = 0; b < B; b++) {
    for (int i = 0; i < R; i++) xin[b * c->in + i] = regs[((size_t)b * R + i) * M];
    if (m->controller == NRAM_LSTM) {
      float *h = xin + (size_t)b * c->in + R;
      if (t == 0) memset(h, 0, sizeof(float) * H);
      else memcpy(h, c->hid + (step - B + b) * H, sizeof(float) * H);
    }
  }
  affine(B, c->in, c->act, xin, m->params[0], m->params[1], acts);
  if (m->controller == NRAM_LSTM) {
    float *cell = c->cell + step * H, *tanhc = c->tanhc + step * H;
    for (int b = 0; b < B; b++) {
      float *a = acts + (size_t)b * 4 * H;
      for (int u = 0; u < H; u++) {
        /* Gates i, f, g, o: kept activated for the backward pass. */
        a[u] = sigmoid(a[u]);
        a[H + u] = sigmoid(a[H + u]);
        a[2 * H + u] = tanhf(a[2 * H + u]);
        a[3 * H + u] = sigmoid(a[3 * H + u]);
        const float previous = t == 0 ? 0.0f : c->cell[(step - B + b) * H + u];
        const float next = a[H + u] * previous + a[u] * a[2 * H + u];
        cell[b * H + u] = next;
        tanhc[b * H + u] = tanhf(next);
        hid[b * H + u] = a[3 * H + u] * tanhc[b * H + u];
      }
    }
  } else {
    for (size_t i = 0; i < (size_t)B * H; i++) hid[i] = acts[i] > 0 ? acts[i] : 0;
  }
  affine(B, H, O, hid, m->params[2], m->params[3], c->logp + step * O);
}

/* Each row's softmax (prob) and log-softmax (logp, in place of the logits); f into prob's last. */
static void choices(nram_ctx *c, int t, int b) {
  const size_t at = ((size_t)t * c->m->batch + b) * c->layout.outputs;
  float *prob = c->prob + at, *logp = c->logp + at;
  for (int r = 0; r < c->layout.rows; r++) {
    float *z = logp + c->layout.start[r], *p = prob + c->layout.start[r];
    const int n = c->layout.len[r];
    float top = z[0], sum = 0;
    for (int j = 1; j < n; j++) top = z[j] > top ? z[j] : top;
    for (int j = 0; j < n; j++) sum += (p[j] = expf(z[j] - top));
    const float log_sum = logf(sum);
    for (int j = 0; j < n; j++) {
      p[j] /= sum;
      z[j] = z[j] - top - log_sum;
    }
  }
  prob[c->layout.outputs - 1] = sigmoid(logp[c->layout.outputs - 1]);
}

/* v = Σ_{j < n} p_j · candidate j. */
static void mixture(const nram_ctx *c, int t, int b, const float *p, int n, float *v) {
  const int M = c->m->memory;
  memset(v, 0, sizeof(float) * M);
  for (int j = 0; j < n; j++) {
    const float w = p[j], *x = nram_candidate(c, t, b, j);
    if (w != 0)
      for (int k = 0; k < M; k++) v[k] += w * x[k];
  }
}

/* The machine of example b at step t: gates, memory, registers, stopping. */
static void machine(nram_ctx *c, int t, int b) {
  const nram_model *m = c->m;
  const int B = m->batch, M = m->memory, R = m->registers, T = m->timesteps;
  const nram_layout *l = &c->layout;
  const size_t ex = (size_t)t * B + b;
  const float *prob = c->prob + ex * l->outputs, *mem = c->mem + ex * M * M;
  float *next = c->mem + (ex + B) * M * M, *gin = c->gin + ex * l->inputs * M;
  float *gout = c->gout + ex * NRAM_GATES * M;
  for (int q = 0; q < NRAM_GATES; q++) {
    float *o = gout + q * M;
    memset(o, 0, sizeof(float) * M);
    for (int k = 0; k < nram_arity[q]; k++) {
      const int r = l->input_row[q] + k;
      mixture(c, t, b, prob + l->start[r], l->len[r], gin + r * M);
    }
    const float *a = nram_arity[q] > 0 ? gin + l->input_row[q] * M : gin, *v = a + M;
    const int *table = c->table + q * M * M;
    if (q == NRAM_READ) {
      for (int i = 0; i < M; i++)
        for (int k = 0; k < M; k++) o[k] += a[i] * mem[i * M + k];
    } else if (q == NRAM_WRITE) {
      o[0] = 1;
      for (int i = 0; i < M; i++)
        for (int k = 0; k < M; k++) next[i * M + k] = mem[i * M + k] - a[i] * mem[i * M + k] + a[i] * v[k];
    } else if (nram_arity[q] == 0) {
      o[table[0]] = 1;
    } else if (nram_arity[q] == 1) {
      for (int i = 0; i < M; i++) o[table[i * M]] += a[i];
    } else {
      for (int i = 0; i < M; i++)
        for (int k = 0; k < M; k++) o[table[i * M + k]] += a[i] * v[k];
    }
  }
  memcpy(c->out + ex * M, next + 2 * M, sizeof(float) * M);
  if (t < T - 1) {
    float *regs = c->regs + (ex + B) * R * M, *sums = c->sums + ex * R;
    for (int i = 0; i < R; i++) {
      const int r = l->inputs + i;
      float *x = regs + i * M, sum = 0;
      mixture(c, t, b, prob + l->start[r], l->len[r], x);
      for (int k = 0; k < M; k++) sum += x[k];
      for (int k = 0; k < M; k++) x[k] /= sum;
      sums[i] = sum;
    }
  }
  const float rem = t == 0 ? 1.0f : c->rem[ex - B] * (1.0f - c->prob[(ex - B) * l->outputs + l->outputs - 1]);
  const float f = t == T - 1 ? 1.0f : prob[l->outputs - 1];
  c->rem[ex] = rem;
  c->stop[ex] = rem * f;
}

void nram_forward_step(nram_ctx *c, int t) {
  controller(c, t);
  for (int b = 0; b < c->m->batch; b++) {
    choices(c, t, b);
    machine(c, t, b);
  }
}
