#!/usr/bin/env bash
# Generates the stubs (./generate.sh) and builds the example into $1 (default clients/go/.bin/example)
# offline, with Debian's Go 1.19 and the Go sources Debian packages in /usr/share/gocode, without
# downloading a module.
#
# How: GOPATH mode (GO111MODULE=off), the way Debian builds its own Go packages. Imports resolve
# from GOPATH/src: a throwaway GOPATH holds this folder under its import path
# github.com/gradnoise/gradnoise/clients/go (a symlink), followed by /usr/share/gocode for grpc,
# protobuf and genproto. go.mod is ignored in this mode; it serves module-mode users.
#
# Needs, besides generate.sh's packages: golang-github-golang-protobuf-1-5-dev (grpc-go 1.33's codec
# marshals through github.com/golang/protobuf, and its 1.3 line, which apt picks by default, panics
# on the APIv2 messages protoc-gen-go 1.28 makes) and golang-google-genproto-dev (google.rpc.Status
# and errdetails). The build cache is Go's default unless GOCACHE says otherwise.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
out=$(realpath -m "${1:-$here/.bin/example}")
module=github.com/gradnoise/gradnoise/clients/go

"$here/generate.sh" >/dev/null
gopath=$(mktemp -d "${TMPDIR:-/tmp}/gradnoise-gopath.XXXXXX")
trap 'rm -rf "$gopath"' EXIT
mkdir -p "$gopath/src/$(dirname "$module")"
ln -s "$here" "$gopath/src/$module"

export GO111MODULE=off GOPATH="$gopath:/usr/share/gocode" GOFLAGS= GOPROXY=off
go vet "$module/example"
go build -o "$out" "$module/example"
echo "built $out"
