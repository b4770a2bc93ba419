{
  "targets": [
    {
      "target_name": "gradnoise_native",
      "sources": ["gradnoise_native.c", "dense_stack.c"],
      "libraries": ["-lopenblas"],
      "cflags": ["-O2", "-std=c11", "-Wall", "-Wextra"],
      "defines": ["NAPI_VERSION=8"]
    }
  ]
}
