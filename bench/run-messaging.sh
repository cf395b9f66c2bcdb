#!/usr/bin/env bash
# Messaging benchmark launcher: N patient-clinician pairs over the live WebSocket against a real
# Tandem child process with the embedded store; saturation throughput, fixed-rate latency,
# exactly-once verification, server RSS and CPU.
#
#   bench/run-messaging.sh                                   # 50 pairs, 20 s saturation, 200/s and 1000/s
#   bench/run-messaging.sh --pairs 10 --duration 10          # quicker
#   bench/run-messaging.sh --server-jvm-flags "-Xmx1g -XX:+UseParallelGC"
#   bench/run-messaging.sh --jfr /tmp/messaging.jfr          # profile the server during saturation
#   bench/run-messaging.sh --out /tmp/messaging.md
#   TANDEM_HUGE_PAGES=on bench/run-messaging.sh             # server heap on huge pages (bin/jvm-flags.sh)
#
# Any option of bench/MessagingBench.java may follow; a later option overrides the defaults set
# here. Builds target/tandem.jar first when it is missing (pass --jar PATH to use another jar).
# A run takes about 2-2.5 minutes on 2 cores (set-up 15-25 s, 30 s JIT warm-up, 23 s saturation,
# 2 x 17 s fixed rate). Results are printed (Markdown), not committed.
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."

# A run stores ~430,000 messages in two minutes (years of a small clinic's traffic) and the
# embedded store keeps its data in the heap (~1.9 KB per message), which bin/tandem's -Xmx2g holds.
# The server JVM flags of bin/tandem (bin/jvm-flags.sh) unless --server-jvm-flags is given (or
# TANDEM_JAVA_OPTS is set, as for bin/tandem).
source bin/jvm-flags.sh
SERVER_JVM_FLAGS="${TANDEM_JAVA_OPTS:-$TANDEM_DEFAULT_JVM_FLAGS}"

jar=target/tandem.jar
for ((i = 1; i <= $#; i++)); do
  if [[ ${!i} == --jar ]]; then
    j=$((i + 1))
    jar=${!j:-}
  fi
done

if [[ ! -f $jar ]]; then
  if [[ $jar != target/tandem.jar ]]; then
    echo "run-messaging: no jar at $jar" >&2
    exit 2
  fi
  echo "run-messaging: building $jar (mvn -B -q -DskipTests package)" >&2
  mvn -B -q -DskipTests package
fi

# Wait up to 60 s for a quiet machine: other builds or tests on the same 2 cores skew every number.
exec java "${TANDEM_BENCH_CLIENT_JVM_FLAGS[@]}" bench/MessagingBench.java --jar "$jar" --java "$TANDEM_JAVA" --server-jvm-flags "$SERVER_JVM_FLAGS" --quiet-wait 60 "$@"
