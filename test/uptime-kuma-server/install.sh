#!/usr/bin/env bash
# Installs the real Uptime Kuma server that test/uptime-kuma-provider.test.ts runs, into
# test/.cache/uptime-kuma/ (gitignored). Does nothing when the same lock file is already installed.
# Its SQLite driver compiles from source (no prebuilt binary can be downloaded here): about 3 minutes.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
dest="$(cd "${here}/../.." && pwd)/test/.cache/uptime-kuma"
pkg="${dest}/node_modules/uptime-kuma"
stamp="${dest}/.installed-lock-sha256"
want="$(sha256sum "${here}/package-lock.json" | cut -d' ' -f1)"

if [ -f "${stamp}" ] && [ "$(cat "${stamp}")" = "${want}" ] && [ -f "${pkg}/server/server.js" ]; then
  echo "uptime-kuma already installed in ${dest}"
  exit 0
fi

echo "== installing uptime-kuma into ${dest}"
rm -rf "${dest}"
mkdir -p "${dest}"
cp "${here}/package.json" "${here}/package-lock.json" "${dest}/"
# Install scripts must run: @louislam/sqlite3 builds its native binding here.
(cd "${dest}" && npm ci --no-audit --no-fund --loglevel=error)

# The package ships these migrations beside db/old_migrations/, where the server looks for them;
# without them a fresh database misses columns (timeout, invert keyword, ...).
cp -n "${pkg}"/db/patch-*.sql "${pkg}/db/old_migrations/"
# (The other fix, db-config.json choosing SQLite, is per data directory: the test helper writes it.)

(cd "${pkg}" && node -e 'require("@louislam/sqlite3")') || {
  echo "uptime-kuma installed, but its SQLite binding does not load" >&2
  exit 1
}
echo "${want}" >"${stamp}"
echo "uptime-kuma installed in ${dest}"
