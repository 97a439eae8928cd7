#!/usr/bin/env bash
# Installs the Node.js example's packages (npm ci) when they are missing, from the examples
# module's build (early in the reactor, beside the wan library's tests, so that its two-minute
# native build of Confluent's client overlaps them instead of delaying ./mvnw verify). Confluent's
# client links dynamically against Debian's -dev libraries (README, Dependencies; .ci/run installs
# them). Without npm it only says so: DemoStackIT then fails naming what to install.
set -euo pipefail
cd "$(dirname "$0")"
if [ -d node_modules/@confluentinc/kafka-javascript ]; then
  exit 0
fi
if ! command -v npm >/dev/null; then
  echo "examples/node: npm is not installed; the Node.js consumer example's test will fail" >&2
  exit 0
fi
CKJS_LINKING=dynamic npm ci --no-audit --no-fund
