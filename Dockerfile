# syntax=docker/dockerfile:1
# Parley in a container: production dependencies only, run by the image's own Node as a non-root user,
# state on a volume at /data. See compose.example.yaml and the README's "Deployment" section.
#
# The project's pinned Node (the `node` devDependency, 22.23.3) is not installed here: the base image
# is that same Node, which runs the TypeScript sources directly (type stripping, Node >= 22.18).
ARG NODE_IMAGE=node:22.23.3-bookworm-slim

FROM ${NODE_IMAGE} AS deps
WORKDIR /app
# Build tools only for @discordjs/opus when no prebuilt binary matches this platform (it is compiled then).
RUN apt-get update \
 && apt-get install -y --no-install-recommends python3 make g++ \
 && rm -rf /var/lib/apt/lists/*
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund && npm cache clean --force
# npm >= 11.19 skips dependency install scripts that package.json "allowScripts" does not approve, and
# opus's install script is what fetches (or compiles) its addon: run it directly when the addon is missing.
RUN node -e "require('@discordjs/opus')" 2>/dev/null \
 || (cd node_modules/@discordjs/opus && ../../.bin/node-pre-gyp install --fallback-to-build)
# Fail the build, not the first spoken answer, when a native part cannot load.
RUN node -e "new (require('@discordjs/opus').OpusEncoder)(48000, 2)" \
 && node -e "import('@snazzah/davey').catch((err) => { console.error(err); process.exit(1); })" \
 && node -e "import('@napi-rs/canvas').then((c) => c.createCanvas(2, 2).encode('png')).catch((err) => { console.error(err); process.exit(1); })"

FROM ${NODE_IMAGE}
ENV NODE_ENV=production \
    DATA_DIR=/data
WORKDIR /app
# A font for the chart labels of /latency and /usage (the slim image has none; the charts draw without text).
RUN apt-get update \
 && apt-get install -y --no-install-recommends fonts-dejavu-core \
 && rm -rf /var/lib/apt/lists/*
COPY --from=deps /app/node_modules ./node_modules
COPY package.json package-lock.json ./
COPY src ./src
COPY commands ./commands
# The image's `node` user (uid 1000) owns only the data directory; the code stays root's and read-only to it.
RUN mkdir -p /data && chown node:node /data
USER node
VOLUME ["/data"]
# Healthy without METRICS_PORT (nothing to ask); otherwise GET /healthz on loopback must answer 200.
HEALTHCHECK --interval=30s --timeout=5s --start-period=60s --retries=3 \
  CMD ["node", "src/ops/healthcheck.ts"]
# The command `npm start` runs, without npm in between: on SIGTERM npm exits at once and leaves the bot
# to be killed with the container, while Node receiving it itself leaves voice and closes the database.
CMD ["node", "--disable-warning=ExperimentalWarning", "src/main.ts"]
