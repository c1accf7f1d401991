# Stride for a class on one CPU server: `docker compose up -d --build` (see compose.yaml).
# Checked without a Docker engine by `make docker-check` (docker/check.sh) and tests/test_docker.py.
# The base image pinned by digest: a rebuild months later starts from the same bytes. To move to a newer
# python:3.11-slim, read its digest (`docker buildx imagetools inspect python:3.11-slim`) and put it here.
FROM python:3.11-slim@sha256:74132ced0002947303bc75654c7d51d3818435fe1c0ec6e4d84f7ca4d0849878

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PIP_ROOT_USER_ACTION=ignore \
    STRIDE_RUNS_DIR=/data/runs \
    STRIDE_DATA_DIR=/data/datasets

WORKDIR /app

# CPU-only torch first, from PyTorch's CPU index (PyPI's Linux wheels bring ~3 GB of CUDA libraries), at
# the versions requirements.txt pins, without dependencies: those come from the lock.
RUN pip install --no-cache-dir --no-deps --index-url https://download.pytorch.org/whl/cpu \
        torch==2.14.1 torchvision==0.29.1
# Everything else from requirements.lock (`make lock` writes it with uv from requirements.txt): exact
# versions with their hashes, so a changed or substituted file fails the build. `pip check` then
# confirms that torch's and torchvision's dependencies are all there.
COPY requirements.lock ./
RUN pip install --no-cache-dir --no-deps --require-hashes -r requirements.lock && pip check

# A non-root user owns the data volume (run store, data sets) and nothing else: the code stays root's.
# The folders are made and chowned before VOLUME, so a new named volume starts with this ownership.
RUN useradd --uid 10001 --create-home --shell /usr/sbin/nologin stride \
    && mkdir -p /data/runs /data/datasets \
    && chown -R stride:stride /data
VOLUME /data

# Only what the app reads at run time (tests/check.sh: every path here must survive .dockerignore).
COPY streamlit_app.py ./
COPY ui/ ui/
COPY pages/ pages/
COPY core/ core/
COPY models/ models/
COPY .streamlit/ .streamlit/
COPY docker/ docker/

USER stride
EXPOSE 8501
# slim has no curl: a stdlib script GETs /_stcore/health on ${PORT:-8501}; a cold start imports torch
HEALTHCHECK --interval=30s --timeout=5s --start-period=60s --retries=3 \
    CMD ["python", "/app/docker/healthcheck.py"]
ENTRYPOINT ["/app/docker/entrypoint.sh"]
