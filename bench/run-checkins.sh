#!/usr/bin/env bash
# Check-ins benchmark launcher: upload throughput (single responses and batches; validated,
# scored, stored, alert-checked) and the monitoring panel's latency for a clinician with 500
# patients who each have a year of daily check-ins, against a real Tandem child process with the
# embedded store.
#
#   bench/run-checkins.sh                                  # defaults (about 2-3 minutes on 2 cores)
#   bench/run-checkins.sh --patients 100 --history 60      # quicker
#
# Any option of bench/CheckinsBench.java may follow. Builds target/tandem.jar first when missing.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
source bin/jvm-flags.sh
SERVER_JVM_FLAGS="${TANDEM_JAVA_OPTS:-$TANDEM_DEFAULT_JVM_FLAGS}"
if [[ ! -f target/tandem.jar ]]; then
  echo "run-checkins: building target/tandem.jar (mvn -B -q -DskipTests package)" >&2
  mvn -B -q -DskipTests package
fi
exec java "${TANDEM_BENCH_CLIENT_JVM_FLAGS[@]}" bench/CheckinsBench.java --jar target/tandem.jar --java "$TANDEM_JAVA" --server-jvm-flags "$SERVER_JVM_FLAGS" "$@"
