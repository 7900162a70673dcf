# botd: the citizen help service. Build: docker build -t botd .
# Runs as a non-root user; data (embedded NATS, bleve index) under /data.
FROM golang:1.26-bookworm AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY . .
RUN CGO_ENABLED=0 go build -trimpath -ldflags="-s -w" -o /out/botd ./cmd/botd \
 && CGO_ENABLED=0 go build -trimpath -ldflags="-s -w" -o /out/botctl ./cmd/botctl \
 && mkdir -p /out/data

FROM gcr.io/distroless/static-debian12:nonroot
COPY --from=build /out/botd /out/botctl /usr/local/bin/
COPY --from=build --chown=65532:65532 /out/data /data
ENV BOT_ADDR=:8080 \
    BOT_DATA_DIR=/data \
    BOT_LOG_FORMAT=json
EXPOSE 8080
VOLUME ["/data"]
HEALTHCHECK --interval=10s --timeout=5s --start-period=30s --retries=3 CMD ["/usr/local/bin/botd", "healthcheck"]
ENTRYPOINT ["/usr/local/bin/botd"]
