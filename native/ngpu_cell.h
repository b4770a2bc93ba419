/* The CGRU's elementwise work, four floats at a time: see ngpu_cell.c. */
#ifndef GRADNOISE_NGPU_CELL_H
#define GRADNOISE_NGPU_CELL_H

#include <stddef.h>

/*
 * Arrays [positions, maps] unless said otherwise; zg is [positions, 2·maps] (update gate's columns,
 * then the reset gate's). σ_c(σ) = clip(σ·cutoff − half, 0, 1), half = (cutoff − 1)/2.
 */
typedef struct {
  size_t positions;
  int maps;
  float cutoff, half;
} ngpu_cell;

/* su = sigmoid(zg[:, :maps] + bu), sr = sigmoid(zg[:, maps:] + br), rs = σ_c(sr) ⊙ x. */
void ngpu_cell_gates(const ngpu_cell *k, const float *zg, const float *bu, const float *br, const float *x,
                     float *su, float *sr, float *rs);

/* p = tanh(zc + bc), c = p ⊙ mask (mask NULL: p), out = c + σ_c(su) ⊙ (x − c). */
void ngpu_cell_output(const ngpu_cell *k, const float *zc, const float *bc, const float *x, const float *su,
                      const float *mask, float *p, float *out);

/*
 * Backward of ngpu_cell_output for dout: dx = dout ⊙ u; dzc (before the tanh); the update gate's
 * dzg[:, :maps] (before its sigmoid); dbc += Σ dzc; and rs recomputed for the candidate's kernel.
 */
void ngpu_cell_output_grad(const ngpu_cell *k, const float *x, const float *su, const float *sr, const float *p,
                           const float *mask, const float *dout, float *dx, float *dzc, float *dzg, float *rs,
                           float *dbc);

/*
 * Backward of rs = σ_c(sr) ⊙ x for drs: dx += drs ⊙ σ_c(sr); the reset gate's dzg[:, maps:];
 * dbu += Σ dzg[:, :maps], dbr += Σ dzg[:, maps:].
 */
void ngpu_cell_reset_grad(const ngpu_cell *k, const float *x, const float *sr, const float *drs, float *dx,
                          float *dzg, float *dbu, float *dbr);

#endif
