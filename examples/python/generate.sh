#!/usr/bin/env bash
# Generates the Python stubs of proto/gradnoise/v1/training.proto into examples/python/gen/.
# Needs Debian's protobuf-compiler (protoc 3.21: grpc_tools' bundled protoc 3.5 rejects proto3
# `optional`), protobuf-compiler-grpc (grpc_python_plugin) and libprotobuf-dev (the well-known
# .proto files such as google/protobuf/timestamp.proto).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
out="$here/gen"
rm -rf "$out" && mkdir -p "$out"
protoc -I "$root/proto" -I /usr/include \
  --python_out="$out" --grpc_python_out="$out" \
  --plugin=protoc-gen-grpc_python="$(command -v grpc_python_plugin)" \
  gradnoise/v1/training.proto
echo "generated $out/gradnoise/v1/training_pb2{,_grpc}.py"
