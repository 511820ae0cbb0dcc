# One image, started in several roles: the role is the `substitute` subcommand,
# e.g. `docker run IMAGE demo run`, `docker run IMAGE ingest dir /data`; the
# API (`serve`), `scheduler` and `forecast run` roles start the same way as
# those commands land.

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
USER substitute
ENV SUBSTITUTE_CONFIG_DIR=/app/configs \
    SUBSTITUTE_DATABASE__URL=sqlite:////app/var/substitute.db \
    OPENBLAS_NUM_THREADS=1
ENTRYPOINT ["substitute"]
CMD ["--help"]
