# The credit-graph service image. Built by docker-compose.yml; configuration by environment.
FROM python:3.11-slim
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1
# Pango and CJK fonts: credit reports are rendered to PDF (WeasyPrint) with Chinese text.
RUN apt-get update \
 && apt-get install -y --no-install-recommends libpango-1.0-0 libpangoft2-1.0-0 fonts-noto-cjk \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /app
COPY pyproject.toml README.md ./
COPY graph_service ./graph_service
COPY loaders ./loaders
COPY queries ./queries
COPY scripts/docker-entrypoint ./scripts/docker-entrypoint
# A plain install: the wheel carries the named Cypher (graph_service/cypher links to queries/).
RUN pip install --no-cache-dir . && rm -rf build && useradd --system --uid 10001 app
USER app
EXPOSE 8000
HEALTHCHECK --interval=15s --timeout=5s --retries=5 \
  CMD python -c "import urllib.request,sys; sys.exit(urllib.request.urlopen('http://127.0.0.1:8000/readyz').status != 200)"
ENTRYPOINT ["scripts/docker-entrypoint"]
