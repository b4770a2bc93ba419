/* The addon's Neural GPU functions (N-API): see napi_neural_gpu.c. */
#ifndef GRADNOISE_NAPI_NEURAL_GPU_H
#define GRADNOISE_NAPI_NEURAL_GPU_H

#include <node_api.h>

napi_value ngpu_napi_workspace_length(napi_env env, napi_callback_info info);
napi_value ngpu_napi_step(napi_env env, napi_callback_info info);
napi_value ngpu_napi_predict(napi_env env, napi_callback_info info);

#endif
