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
# The project is built and tested with Swift 6.3 (.ci/run runs on that toolchain), so the image
# builds with the same one; the Debian release of the build image matches the run image below.
ARG SWIFT_VERSION=6.3
FROM swift:${SWIFT_VERSION}-bookworm AS build

# SQLite, OpenSSL and libpq are the only libraries besides the toolchain (the CSQLite, COpenSSL
# and CLibPQ system-library targets; OpenSSL for outbound HTTPS, libpq for PostgreSQL).
RUN apt-get update \
    && apt-get install -y --no-install-recommends libsqlite3-dev libssl-dev libpq-dev \
    && rm -rf /var/lib/apt/lists/*

WORKDIR /src
# The whole package: the manifest names the test targets too, and the build embeds Migrations/
# and docs/openapi.yaml into the binary. .dockerignore keeps build folders and databases out.
COPY . .
RUN swift build -c release --product crm-server --static-swift-stdlib \
    && install -D -m 0755 "$(swift build -c release --show-bin-path)/crm-server" /out/crm-server

# ---- run --------------------------------------------------------------------------------------
FROM debian:bookworm-slim

# libsqlite3-0, libssl3 and libpq5: the shared libraries the binary links besides glibc.
# ca-certificates: the CA store outbound HTTPS verifies servers against. curl: the health check.
RUN apt-get update \
    && apt-get install -y --no-install-recommends libsqlite3-0 libssl3 libpq5 ca-certificates curl \
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
    CRM_PORT=8080 \
    CRM_SHUTDOWN_TIMEOUT=8s
VOLUME /data
WORKDIR /data
USER crm
EXPOSE 8080

# /healthz needs no key; liveness only (/readyz also checks the database).
HEALTHCHECK --interval=30s --timeout=3s --start-period=10s --retries=3 \
    CMD curl -fsS -o /dev/null "http://127.0.0.1:${CRM_PORT:-8080}/healthz" || exit 1

# `docker stop` sends SIGTERM, waits its grace period (10 s unless the container was started with
# `--stop-timeout N`, or compose's stop_grace_period), then SIGKILLs. On SIGTERM the server drains
# for at most CRM_SHUTDOWN_TIMEOUT, then flushes the writer and closes the database, so the grace
# period must be the larger: 8 s here against docker's 10 s leaves time for that last step. To
# drain longer, raise both, e.g. `docker run --stop-timeout 35 -e CRM_SHUTDOWN_TIMEOUT=30s …`.
STOPSIGNAL SIGTERM
ENTRYPOINT ["crm-server"]
CMD ["serve"]
