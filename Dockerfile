# The fait worker image used by docker-compose.yml: Node 20 for the workers, Python for the trainer.
FROM node:20-bookworm
RUN apt-get update && apt-get install -y --no-install-recommends python3 python3-venv bubblewrap && rm -rf /var/lib/apt/lists/*
WORKDIR /app
COPY . .
RUN bash scripts/bootstrap.sh
ENTRYPOINT []
