#!/bin/sh
# Container entrypoint: refuses to start without DATABASE_URL, then runs the command (the service).
#
# Outside a container an empty DATABASE_URL starts an embedded PostgreSQL (src/config.ts). In a container
# that would put the database inside the container's writable layer, lost on every restart and private
# to one replica, so the image requires an external PostgreSQL instead. The service migrates it at start.
set -eu
if [ -z "${DATABASE_URL:-}" ]; then
  echo "gradnoise: DATABASE_URL is required in the container (postgresql://user:pass@host:5432/db);" \
    "the embedded PostgreSQL is for local development only" >&2
  exit 64
fi
exec "$@"
