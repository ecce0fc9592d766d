# syntax=docker/dockerfile:1
# atende — one image for every role: ROLE=all (default, one process), api or worker.
#
#   docker build -t atende:0.1.0 .
#   docker run -e NODE_ENV=production -e JWT_SECRET=... -e DATABASE_URL=... -p 3000:3000 atende:0.1.0
#
# The app runs the JavaScript compiled at install (dist/, as `npm start` does; the scripts such as
# `npm run db:migrate` still run through tsx) and applies pending database migrations itself at
# start-up (prisma/migrations, under an advisory lock, so replicas
# starting together are safe). Secrets come from the environment at run time, never from here.

# Pinned: node 22 LTS on Alpine. Bump deliberately (and rebuild) to take security fixes.
ARG NODE_IMAGE=node:22.20.0-alpine

# ---- build: dependencies, the generated Prisma client, the compiled server -----------------
FROM ${NODE_IMAGE} AS build
WORKDIR /app
# fs-ext (the embedded database's directory lock, flock(2)) is a native module: built here,
# the runtime stage only copies the result.
RUN apk add --no-cache python3 make g++
# Dependencies first, cached until the lockfile changes. Install scripts run below, once the
# sources they compile are in: fs-ext's native build now, then our postinstall.
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund --ignore-scripts \
 && npm rebuild fs-ext
COPY prisma.config.ts tsconfig.json tsconfig.build.json ./
COPY prisma ./prisma
COPY scripts ./scripts
COPY src ./src
COPY connectors ./connectors
COPY fsm ./fsm
COPY prompts ./prompts
# The pages (console, /chat, /widget.js), built by the same postinstall into web/dist.
COPY web ./web
# What `npm ci` runs after installing (scripts/postinstall.mjs): the Prisma client into
# src/generated/prisma, then tsc into dist/.
RUN node scripts/postinstall.mjs \
 && test -f src/generated/prisma/client.ts \
 && test -f dist/src/server.js \
 && test -f web/dist/index.html
# Runtime needs the production dependencies only (tsx among them, for the scripts).
RUN npm prune --omit=dev --no-audit --no-fund

# ---- runtime ----------------------------------------------------------------------------------
FROM ${NODE_IMAGE} AS runtime
ENV NODE_ENV=production \
    HOST=0.0.0.0 \
    PORT=3000 \
    ROLE=all \
    DATA_DIR=/data
WORKDIR /app
# Code and dependencies stay owned by root and read-only to the app user.
COPY --from=build /app/package.json /app/package-lock.json /app/tsconfig.json ./
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/prisma ./prisma
COPY --from=build /app/dist ./dist
COPY --from=build /app/src ./src
COPY --from=build /app/connectors ./connectors
COPY --from=build /app/fsm ./fsm
COPY --from=build /app/prompts ./prompts
COPY --from=build /app/scripts ./scripts
COPY --from=build /app/web/dist ./web/dist
# DATA_DIR: embedded database (when DATABASE_URL is unset) and generated files; the only
# place the app writes (the scripts, run through tsx, also use /tmp for tsx's compile cache).
RUN mkdir -p /data && chown 1000:1000 /data
# The `node` user of the base image, by number so Kubernetes can check runAsNonRoot.
USER 1000:1000
EXPOSE 3000
# No curl in Alpine: node itself asks the liveness endpoint.
HEALTHCHECK --interval=15s --timeout=5s --start-period=60s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:'+(process.env.PORT||3000)+'/health/live',{signal:AbortSignal.timeout(4000)}).then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"]
# node as PID 1 (not npm): SIGTERM reaches the app, which closes gracefully (src/server.ts).
CMD ["node", "--enable-source-maps", "dist/src/server.js"]
