#!/usr/bin/env bash
# One check of training on a GPU through WebGPU (issue 20 §4), under 8 minutes, on a machine with
# an NVIDIA GPU, Node 20 and no network. Writes one JSON file (default gpu-check.json):
#   1. the machine: nvidia-smi, the Vulkan ICD files in /usr/share/vulkan/icd.d and
#      /etc/vulkan/icd.d, and the WebGPU adapter tfjs reaches (bench/gpu-check/adapter.ts);
#   2. the MLP step on webgpu against wasm (npm run bench -- --only step --backends webgpu,wasm);
#   3. the Neural GPU trainer at the paper's size (128 maps, 2 layers, length 20): 50 steps on
#      webgpu, 2 on wasm, timed per step (bench/gpu-check/neural-gpu.ts);
#   4. the report: device, timings, ratios against the issue's goals, commit
#      (bench/gpu-check/write-report.ts).
# If WebGPU cannot reach the GPU (no adapter, only a software one, no nvidia_icd.json), it says so
# plainly, skips steps 2-3 and still writes the JSON with the reason.
#
#   bash scripts/gpu-check.sh [--software] [out.json]
#   bash scripts/gpu-check.sh --pack      # here, before a GPU session: see below
#
# --software (or GRADNOISE_GPU_CHECK_SOFTWARE=1): allows a software adapter (lavapipe, set up from
# scripts/lavapipe.sh's cache when VK_ICD_FILENAMES is unset) and tiny sizes, so the whole script
# runs end to end on a CPU. Its figures are a correctness run; no goal is judged.
#
# What it needs: node_modules and src/generated (both gitignored). The full node_modules is far
# larger than what a device session can carry, so `--pack` (scripts/gpu-check-pack.sh; run where
# node_modules is complete, with lavapipe set up) runs this script in --software mode under strace
# and packs every file it opened under node_modules, the Vulkan loader and src/generated into
# .gpu-check.tar.gz (under 20 MB): carry that one path. On the GPU machine, when node_modules is
# missing or a dangling link, the script unpacks it and links node_modules to
# .gpu-check/node_modules. GRADNOISE_COMMIT names the commit when the copy has no .git.
set -uo pipefail
cd "$(dirname "$0")/.."

software=${GRADNOISE_GPU_CHECK_SOFTWARE:-0}
pack=0
out=gpu-check.json
for arg in "$@"; do
  case "$arg" in
    --software) software=1 ;;
    --pack) pack=1 ;;
    -h|--help) sed -n '2,28p' "$0"; exit 0 ;;
    -*) echo "gpu-check: unknown option $arg; allowed: --software, --pack, an output path" >&2; exit 2 ;;
    *) out=$arg ;;
  esac
done

if [ "$pack" = 1 ]; then exec bash scripts/gpu-check-pack.sh; fi

started_at=$(date -u +%Y-%m-%dT%H:%M:%SZ)
start=$SECONDS
say() { echo "gpu-check [$((SECONDS - start)) s]: $*"; }

# node_modules: the packed subset when the full one is absent (a device copy of a worktree whose
# node_modules is a link to elsewhere arrives with a dangling link).
if [ ! -e node_modules/.package-lock.json ] && [ ! -d node_modules/@tensorflow/tfjs ]; then
  if [ ! -d .gpu-check/node_modules ] && [ -f .gpu-check.tar.gz ]; then
    say "unpacking .gpu-check.tar.gz"
    tar -xzf .gpu-check.tar.gz
  fi
  if [ -d .gpu-check/node_modules ]; then
    rm -f node_modules 2>/dev/null || true
    [ -e node_modules ] || ln -s .gpu-check/node_modules node_modules
    say "using .gpu-check/node_modules"
  else
    echo "gpu-check: no node_modules: run npm ci (needs the registry), or carry .gpu-check.tar.gz (scripts/gpu-check.sh --pack)" >&2
    exit 1
  fi
fi
# Vulkan: Dawn needs the loader (libvulkan.so.1), the loader the driver's ICD file, and the
# driver's Vulkan library libX11 and libXext. Where the image has no loader or no libXext, the
# packed ones; where the NVIDIA driver's library is mounted but its ICD file is not (a container
# started without the `graphics` capability has neither, usually), one written here. The report
# lists what was used (`device.notes`).
if [ "$software" != 1 ]; then
  if ! ldconfig -p 2>/dev/null | grep -q 'libvulkan.so.1 ' && [ -f .gpu-check/lib/libvulkan.so.1 ]; then
    export LD_LIBRARY_PATH="$PWD/.gpu-check/lib${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
    export GRADNOISE_GPU_CHECK_NOTES="${GRADNOISE_GPU_CHECK_NOTES:-}the Vulkan loader is .gpu-check/lib/libvulkan.so.1 (the image has none); "
  fi
  if ! ldconfig -p 2>/dev/null | grep -q 'libXext.so.6 ' && [ -d .gpu-check/lib/x11 ]; then
    export LD_LIBRARY_PATH="$PWD/.gpu-check/lib/x11${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
    export GRADNOISE_GPU_CHECK_NOTES="${GRADNOISE_GPU_CHECK_NOTES:-}libX11 and libXext are .gpu-check/lib/x11's (the image has no libXext, which the driver's Vulkan library needs); "
  fi
  if [ -z "${VK_ICD_FILENAMES:-}" ] && ! ls /usr/share/vulkan/icd.d/nvidia* /etc/vulkan/icd.d/nvidia* >/dev/null 2>&1 &&
    ldconfig -p 2>/dev/null | grep -q 'libGLX_nvidia.so.0 '; then
    mkdir -p .gpu-check
    printf '{"file_format_version":"1.0.0","ICD":{"library_path":"libGLX_nvidia.so.0","api_version":"1.3"}}\n' \
      >.gpu-check/nvidia_icd.json
    export VK_ICD_FILENAMES="$PWD/.gpu-check/nvidia_icd.json"
    export GRADNOISE_GPU_CHECK_NOTES="${GRADNOISE_GPU_CHECK_NOTES:-}no nvidia_icd.json but libGLX_nvidia.so.0 is present: VK_ICD_FILENAMES points at one written in .gpu-check; "
  fi
fi
if [ ! -d src/generated/wasm ]; then
  say "src/generated is missing: generating it (npm run generate)"
  node scripts/generate.mjs >/dev/null || { echo "gpu-check: src/generated is missing and cannot be generated here: carry it" >&2; exit 1; }
fi

pieces=$(mktemp -d "${TMPDIR:-/tmp}/gpu-check.XXXXXX")
tsx=(node --import tsx)
# run_step <seconds> <piece> <command...>: its output on the console, a `.error` piece when it
# fails or times out without leaving its `.json` (neural-gpu.ts rewrites its `.json` after every
# step, marked incomplete, so a timed-out run keeps the steps it finished).
run_step() {
  local limit=$1 name=$2
  shift 2
  timeout --kill-after=10 "$limit" "$@" 2>&1 | grep -v '^Warning: maxDynamic'
  local rc=${PIPESTATUS[0]}
  if [ "$rc" != 0 ] && [ ! -s "$pieces/$name.json" ]; then
    if [ "$rc" = 124 ] || [ "$rc" = 137 ]; then
      echo "$name: timed out after $limit s" >"$pieces/$name.error"
    else
      echo "$name: exited with status $rc" >"$pieces/$name.error"
    fi
  fi
}

if [ "$software" = 1 ]; then
  if [ -z "${VK_ICD_FILENAMES:-}" ]; then eval "$(bash scripts/lavapipe.sh --print-env)"; fi
  # Tiny sizes: lavapipe runs a paper-size Neural GPU step in minutes.
  bench_args=(--quick --no-torch)
  ngpu_size=(--maps 8 --layers 2 --length 4 --batch-size 4)
  webgpu_steps=3 webgpu_budget=60 webgpu_limit=120
  wasm_steps=2
  bench_limit=240
else
  bench_args=(--rounds 10 --no-torch)
  ngpu_size=(--maps 128 --layers 2 --length 20 --batch-size 32)
  webgpu_steps=50 webgpu_budget=60 webgpu_limit=90
  wasm_steps=2
  bench_limit=120
fi
# The whole check stays under 8 minutes: the wasm Neural GPU (minutes per step at paper size) gets
# what is left, less a margin for the report; its second step starts only if the first took under
# half of that. A first step that does not finish in time still bounds the speedup from below.
deadline=465

say "1/4 the machine and its WebGPU adapter"
command -v nvidia-smi >/dev/null && nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv,noheader
for d in /usr/share/vulkan/icd.d /etc/vulkan/icd.d; do echo "$d: $(ls "$d" 2>/dev/null | tr '\n' ' ')"; done
run_step 60 adapter "${tsx[@]}" bench/gpu-check/adapter.ts "$pieces/adapter.json"
reachable=0
if grep -q '"ok": true' "$pieces/adapter.json" 2>/dev/null; then
  if [ "$software" = 1 ] || grep -q '"software": false' "$pieces/adapter.json"; then reachable=1; fi
fi

if [ "$reachable" = 1 ]; then
  say "2/4 the MLP step, webgpu against wasm"
  run_step "$bench_limit" step "${tsx[@]}" bench/main.ts --only step --backends webgpu,wasm \
    "${bench_args[@]}" --out "$pieces/step.json"
  say "3/4 the Neural GPU ($(echo "${ngpu_size[@]}")): $webgpu_steps steps on webgpu, $wasm_steps on wasm"
  run_step "$webgpu_limit" neural-gpu-webgpu "${tsx[@]}" bench/gpu-check/neural-gpu.ts --backend webgpu \
    --steps "$webgpu_steps" --budget-s "$webgpu_budget" "${ngpu_size[@]}" --out "$pieces/neural-gpu-webgpu.json"
  wasm_limit=$((deadline - (SECONDS - start)))
  [ "$wasm_limit" -gt 300 ] && wasm_limit=300
  [ "$wasm_limit" -lt 30 ] && wasm_limit=30
  run_step "$wasm_limit" neural-gpu-wasm "${tsx[@]}" bench/gpu-check/neural-gpu.ts --backend wasm \
    --steps "$wasm_steps" --budget-s "$((wasm_limit / 2))" "${ngpu_size[@]}" --out "$pieces/neural-gpu-wasm.json"
  [ -f "$pieces/neural-gpu-wasm.error" ] && grep -q 'timed out' "$pieces/neural-gpu-wasm.error" &&
    echo "$wasm_limit" >"$pieces/neural-gpu-wasm.timeout"
else
  say "WebGPU does not reach a GPU here: the benchmarks are skipped (the report says why)"
  for p in step neural-gpu-webgpu neural-gpu-wasm; do echo "$p: skipped, WebGPU does not reach a GPU" >"$pieces/$p.error"; done
fi

say "4/4 the report"
soft_flag=()
[ "$software" = 1 ] && soft_flag=(--software)
"${tsx[@]}" bench/gpu-check/write-report.ts --dir "$pieces" --out "$out" --started-at "$started_at" \
  --seconds "$((SECONDS - start))" "${soft_flag[@]}"
rc=$?
rm -rf "$pieces"
say "done"
exit $rc
