#!/usr/bin/env bash
# `npm test`: typecheck, lint, format check, the mocha suites (which run the real tools and servers),
# then the real tools on a fresh render of every stack. Prints one closing line: N passed, N failed.
set -uo pipefail
cd "$(dirname "$0")/.."

passed=0
failed=0
failures=()
step() {
  local name="$1"; shift
  echo "== ${name}"
  if "$@"; then passed=$((passed + 1)); else failed=$((failed + 1)); failures+=("${name}"); fi
}

require_tool() {
  command -v "$1" >/dev/null 2>&1 || { echo "missing $1: run 'apt-get install $2' (or bash .ci/run)" >&2; exit 1; }
}
require_tool promtool prometheus
require_tool amtool prometheus-alertmanager
require_tool prometheus-alertmanager prometheus-alertmanager

step "typecheck (tsc --noEmit, strict)" npx tsc --noEmit -p .
step "lint (eslint)" npx eslint .
step "format (prettier --check)" npx prettier --check --log-level warn .

# The real Uptime Kuma server the provider tests run: installed once into test/.cache (its SQLite
# binding compiles from source the first time, a few minutes), then reused.
step "Uptime Kuma server for the provider tests" bash test/uptime-kuma-server/install.sh

mocha_out=$(mktemp)
echo "== mocha"
npx mocha "test/**/*.test.ts" 2>&1 | tee "${mocha_out}"
mocha_status=${PIPESTATUS[0]}
mocha_passed=$(grep -Eo '^\s+[0-9]+ passing' "${mocha_out}" | grep -Eo '[0-9]+' || echo 0)
mocha_failed=$(grep -Eo '^\s+[0-9]+ failing' "${mocha_out}" | grep -Eo '[0-9]+' || echo 0)
rm -f "${mocha_out}"
passed=$((passed + mocha_passed))
failed=$((failed + mocha_failed))
if [ "${mocha_status}" -ne 0 ] && [ "${mocha_failed}" -eq 0 ]; then failed=$((failed + 1)); failures+=("mocha"); fi

# The render always writes rule files and an Alertmanager config: a missing one fails its step rather
# than skipping the check.
check_rules() {
  local files=("$1"/prometheus/rules/*.yaml)
  [ -f "${files[0]}" ] || { echo "no rule files in $1/prometheus/rules" >&2; return 1; }
  promtool check rules "${files[@]}"
}
check_alertmanager() {
  local file="$1/alertmanager/alertmanager.yaml"
  [ -f "${file}" ] || { echo "missing ${file}" >&2; return 1; }
  amtool check-config "${file}"
}

render_root=test/.cache/render
for stack in $(ls Pulumi.*.yaml | sed -E 's/^Pulumi\.(.+)\.yaml$/\1/'); do
  out="${render_root}/${stack}"
  # A failed render leaves its output dir alone; clear it so the checks never see a stale render.
  rm -rf "${out}"
  step "render ${stack}" npm run --silent render -- --stack "${stack}" --out "${out}"
  step "promtool check rules (${stack})" check_rules "${out}"
  step "amtool check-config (${stack})" check_alertmanager "${out}"
done

echo
if [ "${failed}" -gt 0 ] && [ "${#failures[@]}" -gt 0 ]; then printf 'failed step: %s\n' "${failures[@]}"; fi
echo "${passed} passed, ${failed} failed"
[ "${failed}" -eq 0 ]
