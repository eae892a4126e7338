# skillcert: multi-stage build. The runtime image holds only the binary (reference data and the
# catalogue of messages are compiled into it) and runs as an unprivileged user.

FROM rust:1.95-bookworm AS build
WORKDIR /src
COPY . .
RUN cargo build --release --locked -p api --bin skillcert \
 && strip target/release/skillcert

FROM debian:bookworm-slim
RUN apt-get update \
 && apt-get install -y --no-install-recommends ca-certificates \
 && rm -rf /var/lib/apt/lists/* \
 && useradd --system --uid 10001 --home-dir /data --shell /usr/sbin/nologin skillcert \
 && mkdir -p /data \
 && chown skillcert:skillcert /data
COPY --from=build /src/target/release/skillcert /usr/local/bin/skillcert
ENV SKILLCERT_BIND=0.0.0.0:8080 \
    SKILLCERT_DATA_DIR=/data \
    SKILLCERT_LOG_FORMAT=json
VOLUME ["/data"]
EXPOSE 8080
USER skillcert
WORKDIR /data
HEALTHCHECK --interval=30s --timeout=5s --start-period=10s --retries=3 CMD ["skillcert", "healthcheck"]
STOPSIGNAL SIGTERM
ENTRYPOINT ["skillcert"]
