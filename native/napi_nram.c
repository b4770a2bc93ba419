/*
 * The NRAM's functions of the addon (nram.c), every array the caller's own:
 *
 *   nramWorkspaceLength(shape: Int32Array) → number
 *   nramRun(shape, params: Float32Array[], memory: Int32Array, targets: Int32Array, bonus,
 *           grads: Float32Array[] (empty: forward only), answers: Int32Array, losses, work) → objective
 *
 * shape lists batch, memory size, registers, timesteps, controller (0 feed-forward, 1 LSTM) and
 * hidden size (nram.h); params and grads follow the trainer's `namedVariables`. Every argument is
 * checked before anything is computed.
 */
#include "napi_nram.h"

#include <limits.h>
#include <math.h>
#include <stdio.h>

#include "napi_args.h"
#include "nram.h"

static napi_value fail(napi_env env, const char *message) {
  napi_throw_range_error(env, NULL, message);
  return NULL;
}

static bool read_shape(napi_env env, napi_value shape, nram_model *m) {
  char message[200];
  const int *s = ints(env, shape, NRAM_SHAPE_LENGTH, 0, INT_MAX, "shape");
  if (s == NULL) return false;
  const char *bad = NULL;
  if (s[NRAM_BATCH] < 1 || s[NRAM_TIMESTEPS] < 1 || s[NRAM_HIDDEN] < 1 || s[NRAM_REGISTERS] < 1)
    bad = "shape's batch, registers, timesteps and hidden size must be at least 1";
  else if (s[NRAM_MEMORY] < 3 || s[NRAM_MEMORY] > NRAM_MAX_MEMORY)
    bad = "shape's memory size must be 3 to 64";
  else if (s[NRAM_REGISTERS] > NRAM_MAX_REGISTERS) bad = "shape's registers must be at most 32";
  else if (s[NRAM_CONTROLLER] > NRAM_LSTM) bad = "shape's controller must be 0 (feed-forward) or 1 (LSTM)";
  else if ((double)s[NRAM_BATCH] * (s[NRAM_TIMESTEPS] + 1) *
               ((double)s[NRAM_MEMORY] * s[NRAM_MEMORY] + 8.0 * s[NRAM_HIDDEN] +
                2.0 * nram_outputs(s[NRAM_REGISTERS])) >=
           0x1p40)
    bad = "shape is too large (its workspace would pass 2^40 floats)";
  if (bad != NULL) {
    snprintf(message, sizeof message, "gradnoise_native: %s", bad);
    fail(env, message);
    return false;
  }
  *m = (nram_model){s[NRAM_BATCH],      s[NRAM_MEMORY], s[NRAM_REGISTERS], s[NRAM_TIMESTEPS],
                    s[NRAM_CONTROLLER], s[NRAM_HIDDEN], NULL};
  return true;
}

/* Reads the array `list` of 4 Float32Arrays of the model's sizes into out; `empty_ok`: 0 also. */
static long read_arrays(napi_env env, napi_value list, const nram_model *m, const char *what, bool empty_ok,
                        float **out) {
  char name[64], message[200];
  const long count = array_length(env, list, what);
  if (count < 0) return -1;
  if (count == 0 && empty_ok) return 0;
  if (count != 4) {
    snprintf(message, sizeof message, "gradnoise_native: %s has %ld arrays, needs 4%s", what, count,
             empty_ok ? " (or 0)" : "");
    fail(env, message);
    return -1;
  }
  for (int i = 0; i < 4; i++) {
    napi_value item;
    snprintf(name, sizeof name, "%s[%d]", what, i);
    if (napi_get_element(env, list, (uint32_t)i, &item) != napi_ok) return -1;
    if ((out[i] = floats(env, item, nram_param_length(m, i), name)) == NULL) return -1;
  }
  return count;
}

napi_value nram_napi_workspace_length(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1], result;
  nram_model m;
  if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != napi_ok || argc < 1)
    return fail(env, "gradnoise_native: nramWorkspaceLength(shape)");
  if (!read_shape(env, argv[0], &m)) return NULL;
  if (napi_create_double(env, (double)nram_workspace_length(&m), &result) != napi_ok) return NULL;
  return result;
}

napi_value nram_napi_run(napi_env env, napi_callback_info info) {
  size_t argc = 9;
  napi_value argv[9], result;
  nram_model m;
  float *params[4], *grads[4];
  double bonus = 0;
  if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != napi_ok || argc < 9)
    return fail(env,
                "gradnoise_native: nramRun(shape, params, memory, targets, bonus, grads, answers, losses, work)");
  if (!read_shape(env, argv[0], &m) || read_arrays(env, argv[1], &m, "params", false, params) < 0) return NULL;
  m.params = (const float *const *)params;
  const size_t B = (size_t)m.batch;
  const int *memory = ints(env, argv[2], B * m.memory, 0, m.memory, "memory");
  const int *targets = memory == NULL ? NULL : ints(env, argv[3], B, 0, m.memory, "targets");
  if (targets == NULL) return NULL;
  if (napi_get_value_double(env, argv[4], &bonus) != napi_ok || !isfinite(bonus) || bonus < 0)
    return fail(env, "gradnoise_native: bonus must be a finite number of at least 0");
  const long with_grads = read_arrays(env, argv[5], &m, "grads", true, grads);
  if (with_grads < 0) return NULL;
  int *answers = int_buffer(env, argv[6], B, "answers");
  float *losses = answers == NULL ? NULL : floats(env, argv[7], B, "losses");
  float *work = losses == NULL ? NULL : floats(env, argv[8], nram_workspace_length(&m), "work");
  if (work == NULL) return NULL;
  const double objective = nram_run(&m, memory, targets, bonus, with_grads == 0 ? NULL : grads, answers, losses,
                                    work);
  if (napi_create_double(env, objective, &result) != napi_ok) return NULL;
  return result;
}
