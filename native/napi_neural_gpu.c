/*
 * The Neural GPU's functions of the addon (neural_gpu.c), every array the caller's own:
 *
 *   neuralGpuWorkspaceLength(shape: Int32Array, tape: 'none' | 'step' | 'whole') → number
 *   neuralGpuStep(shape, gateCutoff, params: Float32Array[], inputs: Int32Array, targets: Int32Array,
 *                 masks: Float32Array[], grads: Float32Array[], predicted, work) → mean loss
 *     (the whole tape kept when work is long enough for it, else one step's, recomputed)
 *   neuralGpuPredict(shape, gateCutoff, params, inputs, predicted, work) → undefined
 *
 * shape lists batch, width, height, maps, layers, kernel width, kernel height, target width, input
 * symbols and classes (neural_gpu.h); params and grads follow the trainer's `namedVariables`; masks
 * is empty (no dropout) or one per layer. Every argument is checked before anything is computed.
 */
#include "napi_neural_gpu.h"

#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "napi_args.h"
#include "neural_gpu.h"

#define MAX_CLASSES 64

static napi_value fail(napi_env env, const char *message) {
  napi_throw_range_error(env, NULL, message);
  return NULL;
}

static bool get_args(napi_env env, napi_callback_info info, size_t want, napi_value *argv, const char *usage) {
  size_t argc = want;
  if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != napi_ok || argc < want) {
    fail(env, usage);
    return false;
  }
  return true;
}

/* The shape array and gate cutoff (cutoff NULL: not read) into `m`. */
static bool read_shape(napi_env env, napi_value shape, napi_value cutoff, ngpu_model *m) {
  char message[200];
  const int *s = ints(env, shape, NGPU_SHAPE_LENGTH, 1, INT_MAX, "shape");
  if (s == NULL) return false;
  const char *bad = NULL;
  if (s[NGPU_KERNEL_WIDTH] % 2 == 0) bad = "shape's kernel width must be odd";
  else if (s[NGPU_KERNEL_HEIGHT] % 2 == 0) bad = "shape's kernel height must be odd";
  else if (s[NGPU_TARGET_WIDTH] > s[NGPU_WIDTH]) bad = "shape's target width must be at most its width";
  else if (s[NGPU_LAYERS] > NGPU_MAX_LAYERS) bad = "shape's layers must be at most 64";
  else if (s[NGPU_CLASSES] > MAX_CLASSES) bad = "shape's classes must be at most 64";
  else if ((double)s[NGPU_BATCH] * s[NGPU_WIDTH] * s[NGPU_HEIGHT] * s[NGPU_MAPS] * s[NGPU_KERNEL_WIDTH] *
               s[NGPU_KERNEL_HEIGHT] >= (double)INT_MAX)
    bad = "shape is too large (batch · width · height · maps · kernel area must be below 2^31)";
  /* The whole tape, about width · 4 · layers states, must not overflow a workspace length. */
  else if ((double)s[NGPU_BATCH] * s[NGPU_WIDTH] * s[NGPU_HEIGHT] * s[NGPU_MAPS] * s[NGPU_WIDTH] * 4 *
               (s[NGPU_LAYERS] + 1) >= 0x1p50)
    bad = "shape is too large (its training workspace would pass 2^50 floats)";
  if (bad != NULL) {
    snprintf(message, sizeof message, "gradnoise_native: %s", bad);
    fail(env, message);
    return false;
  }
  *m = (ngpu_model){s[NGPU_BATCH],         s[NGPU_WIDTH],         s[NGPU_HEIGHT],       s[NGPU_MAPS],
                    s[NGPU_LAYERS],        s[NGPU_KERNEL_WIDTH],  s[NGPU_KERNEL_HEIGHT], s[NGPU_TARGET_WIDTH],
                    s[NGPU_SYMBOLS],       s[NGPU_CLASSES],       1.0,                  NULL};
  if (cutoff == NULL) return true;
  if (napi_get_value_double(env, cutoff, &m->cutoff) != napi_ok || !isfinite(m->cutoff) || m->cutoff < 1) {
    napi_throw_range_error(env, NULL, "gradnoise_native: gateCutoff must be a number of at least 1");
    return false;
  }
  return true;
}

/* Reads the array `list` of exactly ngpu_param_count Float32Arrays of the model's sizes into out. */
static bool read_params(napi_env env, napi_value list, const ngpu_model *m, const char *what, float **out) {
  char name[64], message[200];
  const long count = array_length(env, list, what);
  if (count < 0) return false;
  if (count != ngpu_param_count(m->layers)) {
    snprintf(message, sizeof message, "gradnoise_native: %s has %ld arrays, needs %d (3 + 6 per layer)", what,
             count, ngpu_param_count(m->layers));
    fail(env, message);
    return false;
  }
  for (int i = 0; i < count; i++) {
    napi_value item;
    snprintf(name, sizeof name, "%s[%d]", what, i);
    if (napi_get_element(env, list, (uint32_t)i, &item) != napi_ok) return false;
    out[i] = floats(env, item, ngpu_param_length(m, i), name);
    if (out[i] == NULL) return false;
  }
  return true;
}

static bool read_tape(napi_env env, napi_value value, ngpu_tape *tape) {
  char text[8] = "";
  size_t length = 0;
  if (napi_get_value_string_utf8(env, value, text, sizeof text, &length) == napi_ok) {
    if (strcmp(text, "none") == 0) *tape = NGPU_TAPE_NONE;
    else if (strcmp(text, "step") == 0) *tape = NGPU_TAPE_STEP;
    else if (strcmp(text, "whole") == 0) *tape = NGPU_TAPE_WHOLE;
    else length = 0;
    if (length > 0) return true;
  }
  napi_throw_type_error(env, NULL, "gradnoise_native: tape must be 'none', 'step' or 'whole'");
  return false;
}

napi_value ngpu_napi_workspace_length(napi_env env, napi_callback_info info) {
  napi_value argv[2], result;
  ngpu_model m;
  ngpu_tape tape;
  if (!get_args(env, info, 2, argv, "gradnoise_native: neuralGpuWorkspaceLength(shape, tape)") ||
      !read_shape(env, argv[0], NULL, &m) || !read_tape(env, argv[1], &tape))
    return NULL;
  if (napi_create_double(env, (double)ngpu_workspace_length(&m, tape), &result) != napi_ok) return NULL;
  return result;
}

napi_value ngpu_napi_step(napi_env env, napi_callback_info info) {
  napi_value argv[9], result;
  ngpu_model m;
  float *params[3 + 6 * NGPU_MAX_LAYERS], *grads[3 + 6 * NGPU_MAX_LAYERS], *masks[NGPU_MAX_LAYERS];
  char name[64], message[200];
  if (!get_args(env, info, 9, argv,
                "gradnoise_native: neuralGpuStep(shape, gateCutoff, params, inputs, targets, masks, grads, "
                "predicted, work)") ||
      !read_shape(env, argv[0], argv[1], &m) || !read_params(env, argv[2], &m, "params", params))
    return NULL;
  m.params = (const float *const *)params;
  const size_t columns = (size_t)m.batch * m.width, results = (size_t)m.batch * m.target_width;
  const size_t state = columns * m.height * m.maps;
  const int *inputs = ints(env, argv[3], columns, 0, m.symbols, "inputs");
  const int *targets = inputs == NULL ? NULL : ints(env, argv[4], results, 0, m.classes, "targets");
  if (targets == NULL) return NULL;
  const long mask_count = array_length(env, argv[5], "masks");
  if (mask_count < 0) return NULL;
  if (mask_count != 0 && mask_count != m.layers) {
    snprintf(message, sizeof message, "gradnoise_native: masks has %ld arrays, needs 0 or %d (one per layer)",
             mask_count, m.layers);
    return fail(env, message);
  }
  for (int l = 0; l < mask_count; l++) {
    napi_value item;
    snprintf(name, sizeof name, "masks[%d]", l);
    if (napi_get_element(env, argv[5], (uint32_t)l, &item) != napi_ok) return NULL;
    if ((masks[l] = floats(env, item, state, name)) == NULL) return NULL;
  }
  if (!read_params(env, argv[6], &m, "grads", grads)) return NULL;
  float *predicted = floats(env, argv[7], results, "predicted");
  if (predicted == NULL) return NULL;
  /* The whole tape when the workspace holds it (the caller's choice), else one step's. */
  size_t length = 0;
  napi_typedarray_type type;
  const size_t whole = ngpu_workspace_length(&m, NGPU_TAPE_WHOLE);
  if (napi_get_typedarray_info(env, argv[8], &type, &length, NULL, NULL, NULL) != napi_ok) length = 0;
  const ngpu_tape tape = length >= whole ? NGPU_TAPE_WHOLE : NGPU_TAPE_STEP;
  float *work = floats(env, argv[8], ngpu_workspace_length(&m, tape), "work");
  if (work == NULL) return NULL;
  const double loss = ngpu_step(&m, inputs, targets, mask_count == 0 ? NULL : (const float *const *)masks, grads,
                                predicted, work, tape);
  if (napi_create_double(env, loss, &result) != napi_ok) return NULL;
  return result;
}

napi_value ngpu_napi_predict(napi_env env, napi_callback_info info) {
  napi_value argv[6];
  ngpu_model m;
  float *params[3 + 6 * NGPU_MAX_LAYERS];
  if (!get_args(env, info, 6, argv,
                "gradnoise_native: neuralGpuPredict(shape, gateCutoff, params, inputs, predicted, work)") ||
      !read_shape(env, argv[0], argv[1], &m) || !read_params(env, argv[2], &m, "params", params))
    return NULL;
  m.params = (const float *const *)params;
  const int *inputs = ints(env, argv[3], (size_t)m.batch * m.width, 0, m.symbols, "inputs");
  float *predicted = inputs == NULL ? NULL : floats(env, argv[4], (size_t)m.batch * m.target_width, "predicted");
  float *work = predicted == NULL ? NULL : floats(env, argv[5], ngpu_workspace_length(&m, NGPU_TAPE_NONE), "work");
  if (work == NULL) return NULL;
  ngpu_predict(&m, inputs, predicted, work);
  return NULL;
}
