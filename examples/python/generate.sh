#!/usr/bin/env bash
# Generates the Python stubs of proto/gradnoise/v1/training.proto into examples/python/gen/, and
# those of google/rpc/status.proto and error_details.proto (the rich error details, see
# error_details.py) from npm google-proto-files: Debian packages neither grpcio-status nor
# googleapis-common-protos for Python. gen/google/rpc joins Debian's google.protobuf as a namespace
# package (neither has an __init__.py).
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
googleapis="$root/node_modules/google-proto-files"
protoc -I "$googleapis" -I /usr/include --python_out="$out" \
  google/rpc/status.proto google/rpc/error_details.proto
echo "generated $out/gradnoise/v1/training_pb2{,_grpc}.py and $out/google/rpc/{status,error_details}_pb2.py"
