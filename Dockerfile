# syntax=docker/dockerfile:1
# Pasar: one release binary with both database engines (SQLite and PostgreSQL are
# compiled in, with their C libraries bundled), on a small Debian base.
#
#   docker build -t pasar .
#   docker run -p 8080:8080 -v pasar-data:/var/lib/pasar pasar

FROM rust:1-bookworm AS build
WORKDIR /src
COPY . .
# The caches keep the registry and the build between image builds.
RUN --mount=type=cache,target=/usr/local/cargo/registry \
    --mount=type=cache,target=/src/target \
    cargo build --release --locked -p pasar-server \
    && cp target/release/pasar /usr/local/bin/pasar

FROM debian:bookworm-slim
RUN apt-get update \
    && apt-get install -y --no-install-recommends ca-certificates \
    && rm -rf /var/lib/apt/lists/* \
    && useradd --system --home-dir /var/lib/pasar --create-home pasar
COPY --from=build /usr/local/bin/pasar /usr/local/bin/pasar
COPY config /etc/pasar
USER pasar
WORKDIR /var/lib/pasar
# Dates are days of marketplace.time_zone (Asia/Jakarta by default; the zone database is
# in the binary): a pemda in WITA or WIT sets PASAR__MARKETPLACE__TIME_ZONE=Asia/Makassar
# or Asia/Jayapura.
ENV PASAR__SERVER__BIND=0.0.0.0:8080 \
    PASAR__DATA__DIR=/var/lib/pasar
VOLUME ["/var/lib/pasar"]
EXPOSE 8080
ENTRYPOINT ["pasar"]
CMD ["serve"]
