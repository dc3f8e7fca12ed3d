# cjx: the adapter services (`cjx run`) and the command line, in one image.
#
#   docker build -t cjx .
#   docker run --rm cjx --version
#   docker compose up        # with RabbitMQ and PostgreSQL: compose.yaml
#
# The wheel is built in a first stage (with the checkout's schemas and examples inside it), and
# installed with the PostgreSQL extra into a slim runtime that runs as an unprivileged user.

FROM python:3.11-slim AS build
WORKDIR /src
COPY . .
RUN pip install --no-cache-dir build \
 && python -m build --wheel --outdir /dist .

FROM python:3.11-slim
RUN useradd --system --uid 10001 --home-dir /var/lib/cjx --create-home cjx
COPY --from=build /dist/*.whl /tmp/
RUN pip install --no-cache-dir "$(ls /tmp/cjx-*.whl)[postgresql]" && rm /tmp/*.whl
COPY deploy/services.toml /etc/cjx/services.toml
USER cjx
WORKDIR /var/lib/cjx
# metrics and readiness, listening on every interface so that Prometheus can scrape them
EXPOSE 9464
HEALTHCHECK --interval=15s --timeout=5s --start-period=20s \
  CMD ["cjx", "health", "--url", "http://127.0.0.1:9464/ready"]
ENTRYPOINT ["cjx"]
CMD ["run", "--config", "/etc/cjx/services.toml", "--metrics-port", "9464", "--metrics-host", "0.0.0.0"]
