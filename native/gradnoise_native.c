/*
 * gradnoise's native addon (N-API, plain C): the mlp trainer's dense stack and the neural_gpu
 * trainer's unrolled model, each in one call per step instead of hundreds of tfjs ops (issue 22).
 * Every array is the caller's typed array, read and written where it lies: nothing is copied
 * across the boundary.
 *
 *   workspaceLength(sizes: Int32Array, rows) → number
 *   forward(sizes, params: Float32Array[], x, rows, logits, work) → undefined
 *   step(sizes, params, x, labels, rows, grads: Float32Array[], work) → mean loss
 *   sgd(weights, gradients, step) → undefined           (weights += step · gradients)
 *   blasConfig() → string (build line and the core chosen), blasThreads() → number
 *   neuralGpuWorkspaceLength, neuralGpuStep, neuralGpuPredict: the neural_gpu trainer's unrolled
 *     model, forward and backward (napi_neural_gpu.c)
 *   nramWorkspaceLength, nramRun: the nram trainer's unrolled machine, forward and backward
 *     (napi_nram.c)
 *
 * params and grads list kernel 0, bias 0, kernel 1, bias 1, … (the layout of dense_stack.h).
 * OpenBLAS is set to one thread when the module loads: training runs one worker thread per core,
 * and each calls BLAS from its own thread.
 */
#include <cblas.h>
#include <node_api.h>
#include <stdio.h>

#include "dense_stack.h"
#include "napi_args.h"
#include "napi_neural_gpu.h"
#include "napi_nram.h"

#define MAX_LAYERS 256

#define CHECK(call)                                                                 \
  do {                                                                              \
    if ((call) != napi_ok) {                                                        \
      napi_throw_error(env, NULL, "gradnoise_native: N-API call failed: " #call); \
      return NULL;                                                                  \
    }                                                                               \
  } while (0)

static napi_value fail(napi_env env, const char *message) {
  napi_throw_range_error(env, NULL, message);
  return NULL;
}

typedef struct {
  int sizes[MAX_LAYERS + 1];
  const float *kernels[MAX_LAYERS];
  const float *biases[MAX_LAYERS];
  dense_net net;
} net_args;

/* Reads sizes (Int32Array) and, when `params` is given, the weights, checking every length. */
static bool read_net(napi_env env, napi_value sizes, napi_value params, net_args *out) {
  napi_typedarray_type type;
  size_t length = 0;
  void *data = NULL;
  bool is_typed = false;
  if (napi_is_typedarray(env, sizes, &is_typed) != napi_ok || !is_typed ||
      napi_get_typedarray_info(env, sizes, &type, &length, &data, NULL, NULL) != napi_ok ||
      type != napi_int32_array || length < 2 || length > MAX_LAYERS + 1) {
    napi_throw_type_error(env, NULL, "gradnoise_native: sizes must be an Int32Array of 2 to 257 sizes");
    return false;
  }
  const int *s = (const int *)data;
  for (size_t i = 0; i < length; i++) {
    if (s[i] < 1) {
      napi_throw_range_error(env, NULL, "gradnoise_native: every size must be at least 1");
      return false;
    }
    out->sizes[i] = s[i];
  }
  out->net.layers = (int)length - 1;
  out->net.sizes = out->sizes;
  out->net.kernels = out->kernels;
  out->net.biases = out->biases;
  if (params == NULL) return true;
  for (int l = 0; l < out->net.layers; l++) {
    napi_value kernel, bias;
    if (napi_get_element(env, params, 2 * l, &kernel) != napi_ok ||
        napi_get_element(env, params, 2 * l + 1, &bias) != napi_ok) {
      napi_throw_type_error(env, NULL, "gradnoise_native: params must list a kernel and a bias per layer");
      return false;
    }
    out->kernels[l] = floats(env, kernel, (size_t)s[l] * s[l + 1], "a kernel");
    if (out->kernels[l] == NULL) return false;
    out->biases[l] = floats(env, bias, (size_t)s[l + 1], "a bias");
    if (out->biases[l] == NULL) return false;
  }
  return true;
}

static bool read_rows(napi_env env, napi_value value, int *rows) {
  if (napi_get_value_int32(env, value, rows) != napi_ok || *rows < 1) {
    napi_throw_range_error(env, NULL, "gradnoise_native: rows must be an integer of at least 1");
    return false;
  }
  return true;
}

static napi_value workspace_length(napi_env env, napi_callback_info info) {
  size_t argc = 2;
  napi_value argv[2], result;
  net_args args;
  int rows;
  CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  if (argc < 2) return fail(env, "gradnoise_native: workspaceLength(sizes, rows)");
  if (!read_net(env, argv[0], NULL, &args) || !read_rows(env, argv[1], &rows)) return NULL;
  CHECK(napi_create_double(env, (double)dense_workspace_length(&args.net, rows), &result));
  return result;
}

static napi_value forward(napi_env env, napi_callback_info info) {
  size_t argc = 6;
  napi_value argv[6];
  net_args args;
  int rows;
  CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  if (argc < 6) return fail(env, "gradnoise_native: forward(sizes, params, x, rows, logits, work)");
  if (!read_net(env, argv[0], argv[1], &args) || !read_rows(env, argv[3], &rows)) return NULL;
  const dense_net *net = &args.net;
  const float *x = floats(env, argv[2], (size_t)rows * net->sizes[0], "x");
  float *logits = x == NULL ? NULL : floats(env, argv[4], (size_t)rows * net->sizes[net->layers], "logits");
  float *work = logits == NULL ? NULL : floats(env, argv[5], dense_workspace_length(net, rows), "work");
  if (work == NULL) return NULL;
  dense_forward(net, rows, x, logits, work);
  return NULL;
}

static napi_value step(napi_env env, napi_callback_info info) {
  size_t argc = 7;
  napi_value argv[7], result;
  net_args args;
  float *dkernels[MAX_LAYERS], *dbiases[MAX_LAYERS];
  int rows;
  CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  if (argc < 7) return fail(env, "gradnoise_native: step(sizes, params, x, labels, rows, grads, work)");
  if (!read_net(env, argv[0], argv[1], &args) || !read_rows(env, argv[4], &rows)) return NULL;
  const dense_net *net = &args.net;
  const float *x = floats(env, argv[2], (size_t)rows * net->sizes[0], "x");
  if (x == NULL) return NULL;
  const float *labels = floats(env, argv[3], (size_t)rows * net->sizes[net->layers], "labels");
  if (labels == NULL) return NULL;
  for (int l = 0; l < net->layers; l++) {
    napi_value kernel, bias;
    CHECK(napi_get_element(env, argv[5], 2 * l, &kernel));
    CHECK(napi_get_element(env, argv[5], 2 * l + 1, &bias));
    dkernels[l] = floats(env, kernel, (size_t)net->sizes[l] * net->sizes[l + 1], "a kernel gradient");
    if (dkernels[l] == NULL) return NULL;
    dbiases[l] = floats(env, bias, (size_t)net->sizes[l + 1], "a bias gradient");
    if (dbiases[l] == NULL) return NULL;
  }
  float *work = floats(env, argv[6], dense_workspace_length(net, rows), "work");
  if (work == NULL) return NULL;
  CHECK(napi_create_double(env, dense_step(net, rows, x, labels, dkernels, dbiases, work), &result));
  return result;
}

static napi_value sgd(napi_env env, napi_callback_info info) {
  size_t argc = 3, length = 0;
  napi_value argv[3];
  napi_typedarray_type type;
  double factor;
  CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  if (argc < 3) return fail(env, "gradnoise_native: sgd(weights, gradients, step)");
  CHECK(napi_get_typedarray_info(env, argv[0], &type, &length, NULL, NULL, NULL));
  float *weights = floats(env, argv[0], length, "weights");
  const float *gradients = weights == NULL ? NULL : floats(env, argv[1], length, "gradients");
  if (gradients == NULL) return NULL;
  CHECK(napi_get_value_double(env, argv[2], &factor));
  dense_sgd(weights, gradients, length, (float)factor);
  return NULL;
}

static napi_value blas_config(napi_env env, napi_callback_info info) {
  napi_value result;
  char line[512];
  (void)info;
  /* The build line names the build's target; the core is what DYNAMIC_ARCH chose for this CPU. */
  snprintf(line, sizeof line, "%s; core %s", openblas_get_config(), openblas_get_corename());
  CHECK(napi_create_string_utf8(env, line, NAPI_AUTO_LENGTH, &result));
  return result;
}

static napi_value blas_threads(napi_env env, napi_callback_info info) {
  napi_value result;
  (void)info;
  CHECK(napi_create_int32(env, openblas_get_num_threads(), &result));
  return result;
}

static napi_value init(napi_env env, napi_value exports) {
  openblas_set_num_threads(1);
  const napi_property_descriptor methods[] = {
      {"workspaceLength", NULL, workspace_length, NULL, NULL, NULL, napi_enumerable, NULL},
      {"forward", NULL, forward, NULL, NULL, NULL, napi_enumerable, NULL},
      {"step", NULL, step, NULL, NULL, NULL, napi_enumerable, NULL},
      {"sgd", NULL, sgd, NULL, NULL, NULL, napi_enumerable, NULL},
      {"blasConfig", NULL, blas_config, NULL, NULL, NULL, napi_enumerable, NULL},
      {"blasThreads", NULL, blas_threads, NULL, NULL, NULL, napi_enumerable, NULL},
      {"neuralGpuWorkspaceLength", NULL, ngpu_napi_workspace_length, NULL, NULL, NULL, napi_enumerable, NULL},
      {"neuralGpuStep", NULL, ngpu_napi_step, NULL, NULL, NULL, napi_enumerable, NULL},
      {"neuralGpuPredict", NULL, ngpu_napi_predict, NULL, NULL, NULL, napi_enumerable, NULL},
      {"nramWorkspaceLength", NULL, nram_napi_workspace_length, NULL, NULL, NULL, napi_enumerable, NULL},
      {"nramRun", NULL, nram_napi_run, NULL, NULL, NULL, napi_enumerable, NULL},
  };
  CHECK(napi_define_properties(env, exports, sizeof methods / sizeof methods[0], methods));
  return exports;
}

NAPI_MODULE_INIT() { return init(env, exports); }
