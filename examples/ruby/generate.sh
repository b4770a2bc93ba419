#!/usr/bin/env bash
# Generates the Ruby stubs of proto/gradnoise/v1/training.proto, by default into examples/ruby/gen/
# (or into the folder given as the first argument).
# Needs Debian's protobuf-compiler (protoc 3.21: proto3 `optional` needs protoc >= 3.15),
# protobuf-compiler-grpc (grpc_ruby_plugin) and libprotobuf-dev (google/protobuf/timestamp.proto);
# the client then runs on Debian's ruby, ruby-grpc and ruby-google-protobuf.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
out=${1:-"$here/gen"}
rm -rf "$out" && mkdir -p "$out"
protoc -I "$root/proto" -I /usr/include \
  --ruby_out="$out" --grpc_out="$out" \
  --plugin=protoc-gen-grpc="$(command -v grpc_ruby_plugin)" \
  gradnoise/v1/training.proto
echo "generated $out/gradnoise/v1/training_pb.rb and training_services_pb.rb"
