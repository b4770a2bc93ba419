/*
 * The CGRU's elementwise work (neural_gpu.c) on vectors of four floats (GCC vector extensions:
 * SSE on x86-64, NEON on arm64, plain scalar code elsewhere), maps j … j + 3 of one position at a
 * time; a position's last group, when maps is not a multiple of four, goes through the same vector
 * code with its unused lanes zero, so every element is computed by one formula. Bias sums run over
 * positions in order, as the scalar loops would.
 *
 * exp is Cephes's expf (Moshier): a degree-5 polynomial on the reduced argument, within a couple
 * of float32 roundings of the exact value. sigmoid(z) = 1/(1 + e^−z); tanh(z) = 1 − 2/(e^2z + 1),
 * within a few roundings of tanh in absolute terms, which is what the gradient sees (1 − p²).
 */
#include "ngpu_cell.h"

#include <string.h>

typedef float v4f __attribute__((vector_size(16)));
typedef int v4i __attribute__((vector_size(16)));

static inline v4f splat(float x) { return (v4f){x, x, x, x}; }

static inline v4f load(const float *p, int n) {
  v4f v = splat(0.0f);
  if (n == 4)
    memcpy(&v, p, sizeof v);
  else
    memcpy(&v, p, (size_t)n * sizeof(float));
  return v;
}

static inline void store(float *p, v4f v, int n) {
  if (n == 4)
    memcpy(p, &v, sizeof v);
  else
    memcpy(p, &v, (size_t)n * sizeof(float));
}

/* mask ? a : b, mask lanes all ones or all zeros. */
static inline v4f select(v4i mask, v4f a, v4f b) { return (v4f)((mask & (v4i)a) | (~mask & (v4i)b)); }

static inline v4f exp4(v4f x) {
  x = select(x > splat(88.3762626647949f), splat(88.3762626647949f), x);
  x = select(x < splat(-88.3762626647949f), splat(-88.3762626647949f), x);
  const v4f fx = x * splat(1.44269504088896341f) + splat(0.5f);
  v4f t = __builtin_convertvector(__builtin_convertvector(fx, v4i), v4f); /* truncated */
  t = select(t > fx, t - splat(1.0f), t);                                 /* floor */
  x = x - t * splat(0.693359375f) - t * splat(-2.12194440e-4f);
  const v4f z = x * x;
  v4f y = splat(1.9875691500e-4f);
  y = y * x + splat(1.3981999507e-3f);
  y = y * x + splat(8.3334519073e-3f);
  y = y * x + splat(4.1665795894e-2f);
  y = y * x + splat(1.6666665459e-1f);
  y = y * x + splat(5.0000001201e-1f);
  y = y * z + x + splat(1.0f);
  const v4i two_n = (__builtin_convertvector(t, v4i) + 127) << 23;
  return y * (v4f)two_n;
}

static inline v4f sigmoid4(v4f z) { return splat(1.0f) / (splat(1.0f) + exp4(-z)); }

static inline v4f tanh4(v4f z) { return splat(1.0f) - splat(2.0f) / (exp4(splat(2.0f) * z) + splat(1.0f)); }

/* σ_c from σ, in tfjs's float32 order: clip(σ·c − (c − 1)/2, 0, 1). */
static inline v4f gate4(const ngpu_cell *k, v4f s) {
  if (k->cutoff == 1.0f) return s;
  v4f v = s * splat(k->cutoff) - splat(k->half);
  v = select(v < splat(0.0f), splat(0.0f), v);
  return select(v > splat(1.0f), splat(1.0f), v);
}

/* dσ_c/dz from σ: c·σ(1 − σ) where the clip passes (its bounds included, as tfjs's), else 0. */
static inline v4f gate_grad4(const ngpu_cell *k, v4f s) {
  if (k->cutoff == 1.0f) return s * (splat(1.0f) - s);
  const v4f v = s * splat(k->cutoff) - splat(k->half);
  const v4i pass = (v >= splat(0.0f)) & (v <= splat(1.0f));
  return (v4f)((v4i)(splat(k->cutoff) * (s * (splat(1.0f) - s))) & pass);
}

/* For every position and group of up to four maps: BODY sees i (element), j (map), n (lanes). */
#define FOR_EACH_GROUP(k, ...)                                    \
  for (size_t pos = 0; pos < (k)->positions; pos++)               \
    for (int j = 0; j < (k)->maps; j += 4) {                      \
      const int n = (k)->maps - j < 4 ? (k)->maps - j : 4;        \
      const size_t i = pos * (size_t)(k)->maps + (size_t)j;       \
      const size_t zi = pos * 2 * (size_t)(k)->maps + (size_t)j;  \
      __VA_ARGS__                                                 \
    }

void ngpu_cell_gates(const ngpu_cell *k, const float *zg, const float *bu, const float *br, const float *x,
                     float *su, float *sr, float *rs) {
  const int M = k->maps;
  FOR_EACH_GROUP(k, {
    const v4f u = sigmoid4(load(zg + zi, n) + load(bu + j, n));
    const v4f r = sigmoid4(load(zg + zi + M, n) + load(br + j, n));
    store(su + i, u, n);
    store(sr + i, r, n);
    store(rs + i, gate4(k, r) * load(x + i, n), n);
  });
}

void ngpu_cell_output(const ngpu_cell *k, const float *zc, const float *bc, const float *x, const float *su,
                      const float *mask, float *p, float *out) {
  FOR_EACH_GROUP(k, {
    (void)zi;
    const v4f t = tanh4(load(zc + i, n) + load(bc + j, n));
    const v4f c = mask == NULL ? t : t * load(mask + i, n);
    const v4f xv = load(x + i, n);
    store(p + i, t, n);
    store(out + i, c + gate4(k, load(su + i, n)) * (xv - c), n);
  });
}

void ngpu_cell_output_grad(const ngpu_cell *k, const float *x, const float *su, const float *sr, const float *p,
                           const float *mask, const float *dout, float *dx, float *dzc, float *dzg, float *rs,
                           float *dbc) {
  FOR_EACH_GROUP(k, {
    const v4f t = load(p + i, n), xv = load(x + i, n), d = load(dout + i, n), s = load(su + i, n);
    const v4f m = mask == NULL ? splat(1.0f) : load(mask + i, n);
    const v4f c = mask == NULL ? t : t * m;
    const v4f u = gate4(k, s);
    const v4f dc = d - d * u;
    const v4f dp = mask == NULL ? dc : dc * m;
    const v4f dz = dp * (splat(1.0f) - t * t);
    store(dx + i, d * u, n);
    store(dzc + i, dz, n);
    store(dzg + zi, d * (xv - c) * gate_grad4(k, s), n);
    store(rs + i, gate4(k, load(sr + i, n)) * xv, n);
    store(dbc + j, load(dbc + j, n) + dz, n);
  });
}

void ngpu_cell_reset_grad(const ngpu_cell *k, const float *x, const float *sr, const float *drs, float *dx,
                          float *dzg, float *dbu, float *dbr) {
  const int M = k->maps;
  FOR_EACH_GROUP(k, {
    const v4f s = load(sr + i, n), d = load(drs + i, n);
    const v4f dr = d * load(x + i, n) * gate_grad4(k, s);
    store(dx + i, load(dx + i, n) + d * gate4(k, s), n);
    store(dzg + zi + M, dr, n);
    store(dbu + j, load(dbu + j, n) + load(dzg + zi, n), n);
    store(dbr + j, load(dbr + j, n) + dr, n);
  });
}
