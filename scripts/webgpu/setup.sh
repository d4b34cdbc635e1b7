#!/usr/bin/env bash
# Installs Mesa's software Vulkan driver (lavapipe) from bookworm-backports so that ONNX Runtime's
# WebGPU execution provider can run without a GPU (Debian 12's own Mesa 22.3 is refused by Dawn).
# Idempotent and best effort: on failure it says so and exits 0; the WebGPU tests then skip.
set -u
have() { dpkg-query -W -f '${Version}' mesa-vulkan-drivers 2>/dev/null | grep -q '^2[5-9]\.'; }
if have; then echo "[webgpu setup] Mesa $(dpkg-query -W -f '${Version}' mesa-vulkan-drivers) already installed"; exit 0; fi
if [ "$(id -u)" != 0 ]; then echo "[webgpu setup] not root: skipping (WebGPU tests will skip)"; exit 0; fi
src=/etc/apt/sources.list.d/debian.sources
if [ -f "$src" ] && ! grep -q 'bookworm-backports' "$src"; then
  sed -i '0,/^Suites: bookworm bookworm-updates$/s//Suites: bookworm bookworm-updates bookworm-backports/' "$src"
fi
if apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq -t bookworm-backports mesa-vulkan-drivers libvulkan1 >/dev/null; then
  echo "[webgpu setup] installed Mesa $(dpkg-query -W -f '${Version}' mesa-vulkan-drivers)"
else
  echo "[webgpu setup] could not install Mesa from bookworm-backports (WebGPU tests will skip)"
fi
exit 0
