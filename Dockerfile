# crm-server: one static-stdlib binary and one SQLite file in a volume.
#
#   docker build -t crm-server .
#   docker run -d --name crm -p 8080:8080 -v crm-data:/data crm-server
#   docker logs crm        # the first start on an empty volume prints the admin key, once
#   docker exec crm crm-server keys create --role sales --name "Li Na"
#
# Configuration is the same environment variables as on the command line (README.md,
# "Configuration"): e.g. -e CRM_SYNC=normal -e CRM_CORS_ORIGINS=https://crm.example.com.

# ---- build ------------------------------------------------------------------------------------
# The package is swift-tools-version 6.0 and every target builds in the Swift 6 language mode
# (strict concurrency), so the toolchain must be Swift 6 or newer. Override with
# --build-arg SWIFT_VERSION=6.2 (or later) to match the toolchain the project is developed with.
ARG SWIFT_VERSION=6.1
FROM swift:${SWIFT_VERSION}-bookworm AS build

# SQLite is the only library besides the toolchain (the CSQLite system-library target).
RUN apt-get update \
    && apt-get install -y --no-install-recommends libsqlite3-dev \
    && rm -rf /var/lib/apt/lists/*

WORKDIR /src
# The whole package: the manifest names the test targets too, and the build embeds Migrations/
# and docs/openapi.yaml into the binary. .dockerignore keeps build folders and databases out.
COPY . .
RUN swift build -c release --product crm-server --static-swift-stdlib \
    && install -D -m 0755 "$(swift build -c release --show-bin-path)/crm-server" /out/crm-server

# ---- run --------------------------------------------------------------------------------------
FROM debian:bookworm-slim

# libsqlite3-0: the one shared library the binary links besides glibc. curl: the health check.
RUN apt-get update \
    && apt-get install -y --no-install-recommends libsqlite3-0 ca-certificates curl \
    && rm -rf /var/lib/apt/lists/* \
    && groupadd --system --gid 10001 crm \
    && useradd --system --uid 10001 --gid crm --home-dir /data --no-create-home --shell /usr/sbin/nologin crm \
    && mkdir -p /data \
    && chown crm:crm /data

COPY --from=build /out/crm-server /usr/local/bin/crm-server

# The database (and its -wal/-shm files) lives in the volume; the server listens on every
# interface inside the container (publish the port to choose who can reach it).
ENV CRM_DB=/data/crm.sqlite \
    CRM_HOST=0.0.0.0 \
    CRM_PORT=8080
VOLUME /data
WORKDIR /data
USER crm
EXPOSE 8080

# /healthz needs no key; liveness only (/readyz also checks the database).
HEALTHCHECK --interval=30s --timeout=3s --start-period=10s --retries=3 \
    CMD curl -fsS -o /dev/null "http://127.0.0.1:${CRM_PORT:-8080}/healthz" || exit 1

# SIGTERM (docker stop) drains gracefully within --shutdown-timeout (default 10s, docker's own
# stop timeout); keep CRM_SHUTDOWN_TIMEOUT below `docker stop -t`.
ENTRYPOINT ["crm-server"]
CMD ["serve"]
