#!/usr/bin/env bash
# Generates the Go package gradnoisev1 (messages and gRPC stubs of proto/gradnoise/v1/training.proto
# and sweeps.proto) into clients/go/gradnoisev1/, with Debian's protoc 3.21 and protoc-gen-go 1.28
# (APIv2). The generated code is not committed: CI and users run this script.
#
# The gRPC plugin, protoc-gen-go-grpc, is not packaged as a binary in Debian 12, but its source
# ships with golang-google-grpc-dev in /usr/share/gocode. When it is not on PATH it is built from
# there offline (GOPATH mode, see build.sh) into $GRADNOISE_GO_BIN (default: clients/go/.bin).
#
# Needs: protobuf-compiler, libprotobuf-dev (the well-known .protos), protoc-gen-go, golang-go,
# golang-google-grpc-dev, golang-google-protobuf-dev (protogen, for the plugin).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
module=github.com/gradnoise/gradnoise/clients/go
bin=${GRADNOISE_GO_BIN:-$here/.bin}

grpc_plugin=$(command -v protoc-gen-go-grpc || true)
if [ -z "$grpc_plugin" ]; then
  grpc_plugin="$bin/protoc-gen-go-grpc"
  if [ ! -x "$grpc_plugin" ]; then
    mkdir -p "$bin"
    GO111MODULE=off GOPATH=/usr/share/gocode GOFLAGS= \
      go build -o "$grpc_plugin" google.golang.org/grpc/cmd/protoc-gen-go-grpc
  fi
fi

# Each file's Go package is its own `option go_package` ($module/gradnoisev1;gradnoisev1).
rm -rf "$here/gradnoisev1"
protoc -I "$root/proto" -I /usr/include \
  --plugin=protoc-gen-go-grpc="$grpc_plugin" \
  --go_out="$here" --go_opt=module="$module" \
  --go-grpc_out="$here" --go-grpc_opt=module="$module" \
  gradnoise/v1/training.proto gradnoise/v1/sweeps.proto
echo "generated $here/gradnoisev1 ($(cd "$here/gradnoisev1" && echo *.go))"
