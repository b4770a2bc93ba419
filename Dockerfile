# syntax=docker/dockerfile:1
#
# gradnoise service image. Two variants, chosen with a build argument:
#
#   docker build -t gradnoise:gpu .                          # default: Vulkan (WebGPU) + CUDA (tfjs-node-gpu)
#   docker build -t gradnoise:cpu --build-arg VARIANT=cpu .  # node:20-bookworm-slim + @tensorflow/tfjs-node
#
# GPU base: @tensorflow/tfjs-node-gpu 4.22.0 links libtensorflow 2.9.1
# (tensorflow/tfjs tag tfjs-v4.22.0, tfjs-node/scripts/deps-constants.js: LIBTENSORFLOW_VERSION = '2.9.1'),
# and its README (same tag, tfjs-node/README.md, "Installing") requires NVIDIA driver > 450.x,
# CUDA Toolkit 11.2 and cuDNN SDK 8.1.0. NVIDIA's 11.2.2-cudnn8 images carry CUDA 11.2.2 with
# libcudnn8 8.1.1.33-1+cuda11.2 (NVIDIA container-images/cuda, dist/11.2.2/ubuntu20.04/.../cudnn8).
# See docs/deployment.md for what was and was not verified.
#
# The container needs DATABASE_URL (no embedded PostgreSQL in containers: the entrypoint refuses to start
# without it). The service applies its SQL migrations itself at start, under a PostgreSQL advisory lock,
# so any number of replicas may start at once.

ARG VARIANT=gpu
ARG NODE_VERSION=20
ARG CUDA_IMAGE=nvidia/cuda:11.2.2-cudnn8-runtime-ubuntu20.04

# Node itself, copied into the CUDA image (NVIDIA ships no Node) and used as is for the CPU variant.
FROM node:${NODE_VERSION}-bookworm-slim AS node

FROM ${CUDA_IMAGE} AS base-gpu
COPY --from=node /usr/local/ /usr/local/
# Two GPU paths (docs/deployment.md): WebGPU (Dawn) on the driver's Vulkan ICD first, tfjs-node-gpu on
# CUDA second. The NVIDIA Container Toolkit mounts only the driver parts this variable names: `graphics`
# brings the Vulkan ICD (nvidia_icd.json and the library it names), `compute` libcuda, `utility`
# nvidia-smi/NVML. Without `graphics` (CUDA images usually set `compute,utility`) WebGPU has no GPU.
# The Vulkan loader (libvulkan1) comes from the image, not the driver, and the driver's Vulkan library
# (libGLX_nvidia) needs libX11 and libXext (NVIDIA/nvidia-container-toolkit issue 16).
ENV NVIDIA_DRIVER_CAPABILITIES=compute,utility,graphics \
    GRADNOISE_TFJS_PACKAGE=@tensorflow/tfjs-node-gpu \
    GRADNOISE_TFJS_UNUSED=@tensorflow/tfjs-node
RUN apt-get update \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends libvulkan1 libx11-6 libxext6 \
 && rm -rf /var/lib/apt/lists/*

FROM node AS base-cpu
ENV GRADNOISE_TFJS_PACKAGE=@tensorflow/tfjs-node \
    GRADNOISE_TFJS_UNUSED=@tensorflow/tfjs-node-gpu

# ---------------------------------------------------------------------------------------------------
FROM base-${VARIANT} AS build
SHELL ["/bin/bash", "-o", "pipefail", "-c"]
# python3, make and g++: node-pre-gyp builds the tfjs addon from source when no prebuilt one matches,
# and node-gyp builds the native backend's addon (step 2b), which links OpenBLAS (libopenblas-dev).
RUN apt-get update \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends ca-certificates python3 make g++ libopenblas-dev \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /app
ENV CHECKPOINT_DISABLE=1 \
    PRISMA_HIDE_UPDATE_MESSAGE=1

# 1. Dependencies, exactly as locked (npm ci), scripts held back so that only the chosen tfjs-node
#    package downloads its libtensorflow (both are optionalDependencies; the other one is removed).
#    Then every installed package's install scripts run, but not the project's own `postinstall`
#    (scripts/generate.mjs): it reads scripts/, proto/, prisma/ and src/, and copying those before
#    this step would re-run it, downloads included, on every source change. A bare `npm rebuild`
#    counts the project itself among the packages to rebuild, so the packages are named instead
#    (`npm query '*'` lists the project with an empty location); step 2 runs `npm run generate`.
COPY package.json package-lock.json ./
RUN npm ci --ignore-scripts --no-audit --no-fund \
 && rm -rf "node_modules/${GRADNOISE_TFJS_UNUSED}" \
 && npm query '*' \
  | node -e 'for (const n of JSON.parse(fs.readFileSync(0, "utf8"))) if (n.location !== "") console.log(`./${n.location}`)' \
  | xargs -r npm rebuild \
 && ls node_modules/"${GRADNOISE_TFJS_PACKAGE}"/lib/napi-v*/tfjs_binding.node \
 && ls node_modules/"${GRADNOISE_TFJS_PACKAGE}"/deps/lib/libtensorflow.so*

# 2. Generated code (Prisma client, gRPC types) and the TypeScript build.
COPY tsconfig.json tsconfig.build.json prisma.config.ts ./
COPY scripts ./scripts
COPY proto ./proto
COPY prisma ./prisma
COPY src ./src
RUN npm run generate && npm run build

# 2b. The native backend's addon (native/: C over CBLAS), built by node-gyp against this image's Node
#     headers (/usr/local/include/node), nothing downloaded. Required here: an image without it would
#     quietly train the mlp trainer on wasm, several times slower (docs/deployment.md).
COPY native ./native
RUN GRADNOISE_REQUIRE_NATIVE=1 npm run build:native

# 3. Production dependencies only (prune may put the unused tfjs package back, unbuilt: drop it again).
RUN npm prune --omit=dev --ignore-scripts --no-audit --no-fund \
 && rm -rf "node_modules/${GRADNOISE_TFJS_UNUSED}"

# ---------------------------------------------------------------------------------------------------
FROM base-${VARIANT} AS runtime
ARG VARIANT
LABEL org.opencontainers.image.title="gradnoise" \
      org.opencontainers.image.description="gRPC service training neural networks with annealed gradient noise" \
      io.gradnoise.variant="${VARIANT}"
# OpenBLAS for the native backend's addon (the shared library only; the headers stayed in the build).
RUN apt-get update \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends libopenblas0-pthread \
 && rm -rf /var/lib/apt/lists/*
# A fixed numeric uid, so Kubernetes' runAsNonRoot can verify it without reading /etc/passwd.
RUN groupadd --system --gid 10001 gradnoise \
 && useradd --system --uid 10001 --gid 10001 --home-dir /app --no-create-home --shell /usr/sbin/nologin gradnoise
WORKDIR /app
COPY --from=build --chown=10001:10001 /app/package.json ./
COPY --from=build --chown=10001:10001 /app/node_modules ./node_modules
COPY --from=build --chown=10001:10001 /app/dist ./dist
COPY --from=build --chown=10001:10001 /app/proto ./proto
COPY --from=build --chown=10001:10001 /app/prisma ./prisma
COPY --from=build --chown=10001:10001 /app/scripts/healthcheck.mjs ./scripts/healthcheck.mjs
COPY --from=build --chown=10001:10001 /app/native/build/Release/gradnoise_native.node ./native/build/Release/gradnoise_native.node
COPY --chmod=0755 deploy/docker/entrypoint.sh /usr/local/bin/gradnoise-entrypoint

ENV NODE_ENV=production \
    GRADNOISE_GRPC_HOST=0.0.0.0 \
    GRADNOISE_GRPC_PORT=50051 \
    GRADNOISE_METRICS_HOST=0.0.0.0 \
    GRADNOISE_METRICS_PORT=9464 \
    GRADNOISE_BACKEND=auto
EXPOSE 50051 9464
USER 10001:10001

# gRPC health (grpc.health.v1), the same check the Kubernetes probes make: SERVING once the server is
# bound, NOT_SERVING while it drains on SIGTERM.
HEALTHCHECK --interval=15s --timeout=5s --start-period=60s --retries=3 \
  CMD ["node", "/app/scripts/healthcheck.mjs"]

# Node is PID 1 and handles SIGTERM itself (src/main.ts): runs checkpoint and go back to the queue.
STOPSIGNAL SIGTERM
ENTRYPOINT ["/usr/local/bin/gradnoise-entrypoint"]
CMD ["node", "dist/src/main.js"]
