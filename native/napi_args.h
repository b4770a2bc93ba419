/* Argument checks shared by the addon's N-API functions: see napi_args.c. */
#ifndef GRADNOISE_NAPI_ARGS_H
#define GRADNOISE_NAPI_ARGS_H

#include <node_api.h>
#include <stddef.h>

/* The Float32Array `value` with at least `need` elements, or NULL with a TypeError/RangeError naming `what` pending. */
float *floats(napi_env env, napi_value value, size_t need, const char *what);

/*
 * The Int32Array `value` with at least `need` elements, each in [low, high), or NULL with an
 * exception naming `what` pending.
 */
const int *ints(napi_env env, napi_value value, size_t need, int low, int high, const char *what);

/* The Int32Array `value` with at least `need` elements to write into, or NULL with an exception naming `what` pending. */
int *int_buffer(napi_env env, napi_value value, size_t need, const char *what);

/* The length of the array `value`, or −1 with a TypeError naming `what` pending. */
long array_length(napi_env env, napi_value value, const char *what);

#endif
