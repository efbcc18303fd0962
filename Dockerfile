# The production image: web (gunicorn), worker and beat all run from it.
FROM python:3.12-slim

ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PIP_DISABLE_PIP_VERSION_CHECK=1
WORKDIR /app

# Letters are printed to PDF by WeasyPrint, which needs Pango (the list is dev.py's
# WEASYPRINT_LIBS); without it the worker cannot send a single letter.
RUN apt-get update \
    && apt-get install -y --no-install-recommends libpango-1.0-0 libpangoft2-1.0-0 \
       libharfbuzz-subset0 \
    && rm -rf /var/lib/apt/lists/*
RUN useradd --create-home --uid 1000 undersigned
COPY . .
# Editable, so that the package finds templates/, static/ and migrations/ beside it.
# The translations are served from compiled catalogs, built here (git keeps the .po).
# The app's user owns instance/ only (logos are written there): the code stays root's,
# so a hole in the app cannot rewrite it. instance/logos exists in the image so that
# the volume mounted there (compose) is the app user's, as Docker copies a path's
# owner into a new volume.
RUN pip install --no-cache-dir --editable . && python -m campaign.catalogs compile \
    && mkdir -p /app/instance/logos && chown -R undersigned /app/instance
USER undersigned

EXPOSE 8000
# Serving only: the schema is migrated once per release, before any node serves it
# (compose's migrate service, or `docker run IMAGE flask --app campaign db upgrade`).
# Every node migrating as it starts would race the others.
CMD ["gunicorn", "--bind", "0.0.0.0:8000", "--workers", "4", "--access-logfile", "-", "campaign:create_app()"]
