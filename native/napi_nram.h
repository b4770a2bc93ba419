/* The NRAM's N-API functions: see napi_nram.c. */
#ifndef GRADNOISE_NAPI_NRAM_H
#define GRADNOISE_NAPI_NRAM_H

#include <node_api.h>

napi_value nram_napi_workspace_length(napi_env env, napi_callback_info info);
napi_value nram_napi_run(napi_env env, napi_callback_info info);

#endif
