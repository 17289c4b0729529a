# Entitle's image: a release binary with the Swift standard library linked statically, on a
# small Ubuntu with only what it loads at run time. docs/deploy.md says how to run it.
# CI builds this stage without a Docker engine from this file's own lines
# (.ci/check_docker_context.py): every file the build needs must be COPYed below.

FROM swift:6.3-noble AS build
RUN apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends libsqlite3-dev \
    && rm -rf /var/lib/apt/lists/*
# The commit `entitle --version` names (the build context has no .git):
# docker build --build-arg ENTITLE_COMMIT=$(git rev-parse --short=12 HEAD) .
ARG ENTITLE_COMMIT=unknown
WORKDIR /src
# Dependencies first, so that a change to Entitle's sources reuses the resolved packages.
COPY Package.swift ./
RUN swift package resolve
COPY Plugins ./Plugins
COPY Sources ./Sources
COPY Templates ./Templates
RUN swift build -c release --static-swift-stdlib --product entitle \
    && install -D "$(swift build -c release --show-bin-path)/entitle" out/entitle \
    && strip out/entitle

FROM ubuntu:noble
RUN apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
        libsqlite3-0 libstdc++6 zlib1g ca-certificates tzdata curl \
    && rm -rf /var/lib/apt/lists/* \
    && useradd --system --uid 10001 --home-dir /var/lib/entitle --create-home entitle
COPY --from=build /src/out/entitle /usr/local/bin/entitle
USER entitle
WORKDIR /var/lib/entitle
# Listen on every interface inside the container; the platform decides what reaches it. The port
# is Cloud Run's PORT when it sets one, else ENTITLE_HTTP_PORT, else 8080.
ENV ENTITLE_HTTP_HOST=0.0.0.0
EXPOSE 8080
HEALTHCHECK --interval=30s --timeout=3s --start-period=20s \
    CMD curl -fsS "http://127.0.0.1:${ENTITLE_HTTP_PORT:-${PORT:-8080}}/healthz" || exit 1
ENTRYPOINT ["/usr/local/bin/entitle"]
CMD ["serve"]
