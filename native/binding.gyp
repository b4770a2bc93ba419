{
  "targets": [
    {
      "target_name": "gradnoise_native",
      "sources": [
        "gradnoise_native.c",
        "dense_stack.c",
        "napi_args.c",
        "napi_neural_gpu.c",
        "napi_nram.c",
        "neural_gpu.c",
        "ngpu_cell.c",
        "ngpu_conv.c",
        "ngpu_head.c",
        "nram.c",
        "nram_backward.c",
        "nram_forward.c"
      ],
      "libraries": ["-lopenblas"],
      "cflags": ["-O2", "-std=c11", "-Wall", "-Wextra"],
      "defines": ["NAPI_VERSION=8"]
    }
  ]
}
