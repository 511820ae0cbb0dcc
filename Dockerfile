# One image, started in several roles: the role is the `substitute` subcommand:
# `serve` (API and buyers' page), `scheduler` (nightly jobs), `forecast run`,
# `ingest ...`, `demo run --no-serve`. See README.md, "Docker".

# --- build: compile wheels (lightfm and implicit need a C toolchain) ----------
FROM python:3.11-slim-bookworm AS build
RUN apt-get update \
 && apt-get install -y --no-install-recommends build-essential \
 && rm -rf /var/lib/apt/lists/*
# A portable lightfm binary: no -march=native.
ENV LIGHTFM_NO_CFLAGS=1 PIP_NO_CACHE_DIR=1
WORKDIR /src
COPY pyproject.toml setup.cfg README.md ./
COPY substitute ./substitute
RUN pip wheel --wheel-dir /wheels '.[postgres,dask]'

# --- runtime: no compiler, non-root ----------------------------------------------
FROM python:3.11-slim-bookworm AS runtime
RUN apt-get update \
 && apt-get install -y --no-install-recommends libgomp1 \
 && rm -rf /var/lib/apt/lists/* \
 && useradd --create-home --uid 10001 substitute
COPY --from=build /wheels /wheels
RUN pip install --no-cache-dir --no-index --find-links /wheels 'substitute[postgres,dask]' \
 && rm -rf /wheels
WORKDIR /app
COPY --chown=substitute configs ./configs
COPY --chown=substitute fixtures ./fixtures
RUN mkdir -p /app/var && chown substitute /app/var
USER substitute
EXPOSE 8000
ENV SUBSTITUTE_CONFIG_DIR=/app/configs \
    SUBSTITUTE_DATABASE__URL=sqlite:////app/var/substitute.db \
    SUBSTITUTE_API__HOST=0.0.0.0 \
    SUBSTITUTE_ARTIFACTS__DIR=/app/var/artifacts \
    OPENBLAS_NUM_THREADS=1
ENTRYPOINT ["substitute"]
CMD ["--help"]
