#!/usr/bin/env bash
# The webgpu runtime on the lent GPU machine, with its PyTorch peer in the same call. Prepare here first:
#   node bench/gpu/prepare-webgpu-carry.mjs        (→ .gpu: Node, Dawn, bundles; .gl: Vulkan/EGL loaders)
# then call the device tool from the repo root with carry [".gpu", ".gl"] and the command
#   bash bench/gpu/webgpu-device.sh                 (SHAPE=tiny REPS=1 for a quick check)
# A dry run here (software adapter, no loaders unpacked): SKIP_LOADERS=1 SHAPE=tiny REPS=1 OUT=/tmp/x \
#   MODEL_ARGS="--train-batch 2 --train-len 16 --gen-batch 2 --gen-tokens 4" bash bench/gpu/webgpu-device.sh
# It writes to $OUT (at most 8 files): env.txt (GPU, driver, loaders, ICD files), runtime.json (the adapter or
# why none), model-webgpu.json (bench:model), qwen05-webgpu.json and qwen05-torch.json (same shapes), log.txt.
set -u
OUT="${OUT:-/tmp/webgpu-out}"
SHAPE="${SHAPE:-qwen05}"
REPS="${REPS:-3}"
mkdir -p "$OUT"
exec > >(tee -a "$OUT/log.txt") 2>&1
cd "$(dirname "$0")/../.."

# Loaders (the device README's recipe): unpack the carried Debian packages over /, point at NVIDIA's ICD files.
# SKIP_LOADERS=1 leaves / alone (a dry run of this script on a development machine).
if [ "${SKIP_LOADERS:-0}" != 1 ] && compgen -G ".gl/*.deb" >/dev/null; then
  for f in .gl/*.deb; do dpkg -x "$f" /; done
  ldconfig
  # Dawn's OpenGL ES fallback opens the unversioned libEGL.so (a -dev symlink the carried libegl1 lacks).
  lib=/usr/lib/x86_64-linux-gnu
  [ -e "$lib/libEGL.so" ] || { [ -e "$lib/libEGL.so.1" ] && ln -s libEGL.so.1 "$lib/libEGL.so"; }
fi
[ -f /usr/local/nvidia/share/vulkan/icd.d/nvidia_icd.json ] && export VK_DRIVER_FILES=/usr/local/nvidia/share/vulkan/icd.d/nvidia_icd.json
[ -f /usr/local/nvidia/share/glvnd/egl_vendor.d/10_nvidia.json ] && export __EGL_VENDOR_LIBRARY_FILENAMES=/usr/local/nvidia/share/glvnd/egl_vendor.d/10_nvidia.json

APP=/tmp/as-webgpu
mkdir -p "$APP"
tar -xJf .gpu/node.tar.xz -C "$APP"
tar -xJf .gpu/dawn.tar.xz -C "$APP"
cp .gpu/app/*.mjs "$APP/"
NODE="$APP/node"

{
  echo "== nvidia-smi"; nvidia-smi 2>&1 | head -15
  echo "== loaders"; ldconfig -p | grep -E 'libvulkan|libEGL|libGLESv2|libnvidia-(glcore|eglcore)' || echo "(none)"
  echo "== ICD files"; ls -l /usr/local/nvidia/share/vulkan/icd.d /usr/share/vulkan/icd.d /usr/local/nvidia/share/glvnd/egl_vendor.d /usr/share/glvnd/egl_vendor.d 2>&1
  echo "== env"; env | grep -E '^(VK_|__EGL|EGL_|LD_LIBRARY)' || true
  echo "== node"; "$NODE" --version
} > "$OUT/env.txt" 2>&1

# The adapter (or why there is none): the tiny shape is enough to start the runtime and report it.
timeout 120 "$NODE" "$APP/webgpu-qwen05.mjs" --runtime webgpu --shape tiny --reps 1 --decode-tokens 2 > "$OUT/runtime.json"
echo "runtime: $(head -c 600 "$OUT/runtime.json")"

# shellcheck disable=SC2086 # MODEL_ARGS: extra bench:model options, e.g. "--train-batch 4 --gen-batch 4"
timeout 240 "$NODE" "$APP/model.mjs" --runtime webgpu --reps "$REPS" ${MODEL_ARGS:-} --out "$OUT/model-webgpu.json" || echo "bench:model on webgpu failed ($?)"
timeout 240 "$NODE" "$APP/webgpu-qwen05.mjs" --runtime webgpu --shape "$SHAPE" --reps "$REPS" > "$OUT/qwen05-webgpu.json" || echo "qwen05 webgpu failed ($?)"
PYTHONUNBUFFERED=1 timeout 120 python3 bench/gpu/qwen05-torch.py --device cuda --shape "$SHAPE" --reps "$REPS" > "$OUT/qwen05-torch.json" || echo "qwen05 torch failed ($?)"
ls -l "$OUT"
