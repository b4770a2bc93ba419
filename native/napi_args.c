/* Argument checks of the addon's N-API functions: each failure throws an error naming the argument. */
#include "napi_args.h"

#include <stdio.h>

/*
 * The data of the typed array `value` of type `want` with at least `need` elements, or NULL with a
 * TypeError or RangeError naming `what` pending; `kind` and `unit` word the error.
 */
static void *typed(napi_env env, napi_value value, napi_typedarray_type want, size_t need, const char *kind,
                   const char *unit, const char *what) {
  napi_typedarray_type type;
  size_t length = 0;
  void *data = NULL;
  bool is_typed = false;
  char message[200];
  if (napi_is_typedarray(env, value, &is_typed) != napi_ok || !is_typed ||
      napi_get_typedarray_info(env, value, &type, &length, &data, NULL, NULL) != napi_ok || type != want) {
    snprintf(message, sizeof message, "gradnoise_native: %s must be %s", what, kind);
    napi_throw_type_error(env, NULL, message);
    return NULL;
  }
  if (length < need) {
    snprintf(message, sizeof message, "gradnoise_native: %s has %zu %s, needs %zu", what, length, unit, need);
    napi_throw_range_error(env, NULL, message);
    return NULL;
  }
  return data;
}

float *floats(napi_env env, napi_value value, size_t need, const char *what) {
  return (float *)typed(env, value, napi_float32_array, need, "a Float32Array", "floats", what);
}

const int *ints(napi_env env, napi_value value, size_t need, int low, int high, const char *what) {
  char message[200];
  const int *values = (const int *)typed(env, value, napi_int32_array, need, "an Int32Array", "integers", what);
  if (values == NULL) return NULL;
  for (size_t i = 0; i < need; i++) {
    if (values[i] < low || values[i] >= high) {
      snprintf(message, sizeof message, "gradnoise_native: %s[%zu] is %d, allowed %d to %d", what, i, values[i],
               low, high - 1);
      napi_throw_range_error(env, NULL, message);
      return NULL;
    }
  }
  return values;
}

int *int_buffer(napi_env env, napi_value value, size_t need, const char *what) {
  return (int *)typed(env, value, napi_int32_array, need, "an Int32Array", "integers", what);
}

long array_length(napi_env env, napi_value value, const char *what) {
  bool is_array = false;
  uint32_t length = 0;
  char message[200];
  if (napi_is_array(env, value, &is_array) != napi_ok || !is_array ||
      napi_get_array_length(env, value, &length) != napi_ok) {
    snprintf(message, sizeof message, "gradnoise_native: %s must be an array", what);
    napi_throw_type_error(env, NULL, message);
    return -1;
  }
  return (long)length;
}
