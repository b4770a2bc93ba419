#!/usr/bin/env bash
# Mesa's lavapipe (a Vulkan driver that runs on the CPU) in a folder of its own, so the `webgpu`
# backend (Dawn, npm `webgpu`) runs on machines without a GPU: CI and development machines.
#
# Why not `apt-get install mesa-vulkan-drivers`: Debian 12's Mesa 22.3 is rejected by Dawn (it lacks
# shader*ArrayDynamicIndexing). Mesa 25 from bookworm-backports works, but installing it would
# upgrade the system's Mesa. So the packages are fetched with `apt-get download` through a private
# apt configuration (its own sources, lists and cache under the folder: the system's sources and
# package state are only read, never changed), unpacked with `dpkg -x`, and used through
#   VK_ICD_FILENAMES  an ICD json whose library_path is the unpacked libvulkan_lvp.so, absolute;
#   LD_LIBRARY_PATH   the unpacked libraries (the Vulkan loader, libdrm 2.4.123 that Mesa 25 needs).
# Runtime dependencies that are not installed on the machine (e.g. the Vulkan loader libvulkan1)
# are fetched from bookworm and unpacked beside them.
#
# Usage: scripts/lavapipe.sh [--print-env]
#   Prepares the folder once (later calls reuse it) and writes there `env` (KEY=VALUE lines) and
#   `env.json` (read by the test setup, test/setup/lavapipe.ts). With --print-env it prints
#   `export` lines for `eval "$(scripts/lavapipe.sh --print-env)"`.
# The folder: $GRADNOISE_LAVAPIPE_DIR, default ${XDG_CACHE_HOME:-$HOME/.cache}/gradnoise/lavapipe.
set -euo pipefail

dir=${GRADNOISE_LAVAPIPE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/gradnoise/lavapipe}
arch=$(dpkg --print-architecture)
multiarch=$(dpkg-architecture -qDEB_HOST_MULTIARCH 2>/dev/null || gcc -print-multiarch 2>/dev/null || echo x86_64-linux-gnu)
root=$dir/root
libdir=$root/usr/lib/$multiarch
icd=$dir/lavapipe_icd.json
# The backports packages Dawn needs, and what they need from bookworm when the machine lacks it.
backports=(mesa-vulkan-drivers libdrm2 libdrm-amdgpu1)

log() { echo "lavapipe: $*" >&2; }

prepare() {
  local apt=$dir/apt
  mkdir -p "$apt/lists/partial" "$apt/cache/archives/partial" "$apt/sources.d" "$apt/debs" "$root"
  cat >"$apt/sources.list" <<EOF
deb [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] http://deb.debian.org/debian bookworm-backports main
deb [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] http://deb.debian.org/debian bookworm main
EOF
  # A private apt: its own sources, lists, cache and (empty) preferences. The system's dpkg status
  # is read to see what is installed; nothing is installed or upgraded.
  local opts=(-o "Dir::Etc::SourceList=$apt/sources.list" -o "Dir::Etc::SourceParts=$apt/sources.d"
    -o "Dir::State::Lists=$apt/lists" -o "Dir::Cache=$apt/cache" -o "Dir::Etc::Preferences=/dev/null"
    -o "Dir::Etc::PreferencesParts=$apt/sources.d" -o "APT::Sandbox::User=root" -o "Debug::NoLocking=1")
  log "fetching the package lists of bookworm and bookworm-backports"
  apt-get "${opts[@]}" -qq update
  local wanted=() seen=" " queue=() pkg deps dep
  for pkg in "${backports[@]}"; do wanted+=("$pkg/bookworm-backports"); seen+="$pkg "; queue+=("$pkg/bookworm-backports"); done
  # Walk the Depends of what is fetched; fetch each dependency the machine does not have installed.
  while [ ${#queue[@]} -gt 0 ]; do
    pkg=${queue[0]}
    queue=("${queue[@]:1}")
    deps=$(apt-cache "${opts[@]}" show "$pkg" 2>/dev/null | sed -n 's/^Depends: //p' | head -n1 |
      tr ',' '\n' | sed 's/|.*//; s/(.*)//; s/:any//; s/[[:space:]]//g')
    for dep in $deps; do
      case $seen in *" $dep "*) continue ;; esac
      seen+="$dep "
      dpkg-query -W -f='${Status}' "$dep" 2>/dev/null | grep -q 'install ok installed' && continue
      wanted+=("$dep")
      queue+=("$dep")
    done
  done
  log "downloading ${wanted[*]}"
  (cd "$apt/debs" && apt-get "${opts[@]}" -qq download "${wanted[@]}")
  local deb
  for deb in "$apt/debs"/*.deb; do
    dpkg -x "$deb" "$root"
    dpkg-deb --show --showformat='${Package} ${Version}\n' "$deb" >>"$dir/packages"
  done
  rm -rf "$apt/debs" "$apt/cache" "$apt/lists"
}

if [ ! -f "$libdir/libvulkan_lvp.so" ] || [ ! -f "$libdir/libvulkan.so.1" ]; then
  rm -rf "$root" "$dir/packages"
  prepare
fi
[ -f "$libdir/libvulkan_lvp.so" ] || { log "libvulkan_lvp.so missing under $libdir after unpacking"; exit 1; }
version=$(sed -n 's/.*"api_version": *"\([^"]*\)".*/\1/p' "$root/usr/share/vulkan/icd.d/lvp_icd.json" | head -n1)
cat >"$icd" <<EOF
{
  "file_format_version": "1.0.0",
  "ICD": { "library_path": "$libdir/libvulkan_lvp.so", "api_version": "${version:-1.3.0}" }
}
EOF
ld_path=$libdir${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}
printf 'VK_ICD_FILENAMES=%s\nLD_LIBRARY_PATH=%s\n' "$icd" "$libdir" >"$dir/env"
printf '{ "VK_ICD_FILENAMES": "%s", "LD_LIBRARY_PATH": "%s" }\n' "$icd" "$libdir" >"$dir/env.json"
log "ready in $dir ($arch): $(paste -sd',' "$dir/packages" 2>/dev/null | sed 's/,/, /g')"
if [ "${1:-}" = "--print-env" ]; then
  printf 'export VK_ICD_FILENAMES=%q\nexport LD_LIBRARY_PATH=%q\n' "$icd" "$ld_path"
fi
