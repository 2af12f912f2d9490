FROM python:3.11-slim-bookworm
RUN apt-get update && apt-get install -y --no-install-recommends \
        libpango-1.0-0 libpangoft2-1.0-0 fonts-dejavu-core \
    && rm -rf /var/lib/apt/lists/*
WORKDIR /app
COPY pyproject.toml ./
COPY . .
RUN pip install --no-cache-dir -e . && mkdir -p /app/var
ENV DJANGO_SETTINGS_MODULE=cis.settings PYTHONUNBUFFERED=1
RUN DJANGO_SECRET_KEY=build OPENCIS_ALLOW_DERIVED_KEYS=1 python manage.py collectstatic --noinput
EXPOSE 8000
CMD ["gunicorn", "cis.wsgi:application", "--bind", "0.0.0.0:8000", "--workers", "3"]
