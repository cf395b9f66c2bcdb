#!/usr/bin/env bash
# Foundation benchmark launcher: cold start, login latency and idle memory of the Tandem jar.
#
#   bench/run-foundation.sh                       # bin/tandem's java, JVM flags and start-up cache
#   bench/run-foundation.sh --no-appcds           # the same without the start-up cache
#   bench/run-foundation.sh --server-jvm-flags "" # JVM defaults, for comparison
#   bench/run-foundation.sh --server-jvm-flags "-XX:+UseSerialGC -Xss512k -Xmx256m" --runs 3
#   bench/run-foundation.sh --out /tmp/foundation.md
#
# Any option of bench/FoundationBench.java may follow; a later option overrides the defaults set
# here. Builds target/tandem.jar first when it is missing (pass --jar PATH to use another jar).
# Like bin/tandem, it first records the start-up cache (bin/jvm-flags.sh: <jar>-java25.aot on
# JDK 25+, <jar>-java17.jsa before; one training start of the server) when it is missing or older
# than the jar, and adds the flags that map it to the default flags (not to flags given with
# --server-jvm-flags).
# A run takes about 2-3 minutes on 2 cores, plus up to 2 x 60 s waiting for a quiet machine.
# Results are printed (Markdown), not committed.
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."

# Server JVM flags used unless --server-jvm-flags is given (or TANDEM_BENCH_SERVER_JVM_FLAGS is
# set): bin/tandem's (bin/jvm-flags.sh says what each is for).
source bin/jvm-flags.sh
SERVER_JVM_FLAGS="${TANDEM_BENCH_SERVER_JVM_FLAGS:-$TANDEM_DEFAULT_JVM_FLAGS}"
# TrimNativeHeapInterval is in recent JDK 17 updates only (17.0.15 here); an older JVM refuses it.
if [[ $SERVER_JVM_FLAGS == *TrimNativeHeapInterval* ]] && ! "$TANDEM_JAVA" -XX:TrimNativeHeapInterval=1000 -version >/dev/null 2>&1; then
  echo "run-foundation: this JVM has no -XX:TrimNativeHeapInterval; running without it" >&2
  SERVER_JVM_FLAGS=$(sed -E 's/ ?-XX:TrimNativeHeapInterval=[0-9]+//' <<<"$SERVER_JVM_FLAGS")
fi

appcds=true
args=()
jar=target/tandem.jar
while [[ $# -gt 0 ]]; do
  case $1 in
    --appcds) appcds=true ;;
    --no-appcds) appcds=false ;;
    --jar) jar=${2:?--jar needs a path}; shift ;;
    *) args+=("$1") ;;
  esac
  shift
done

if [[ ! -f $jar ]]; then
  if [[ $jar != target/tandem.jar ]]; then
    echo "run-foundation: no jar at $jar" >&2
    exit 2
  fi
  echo "run-foundation: building $jar (mvn -B -q -DskipTests package)" >&2
  mvn -B -q -DskipTests package
fi
# The absolute, symlink-free path, as the JVM records it in a CDS archive.
jar="$(cd "$(dirname "$jar")" && pwd -P)/$(basename "$jar")"

# One start of the server in a scratch dir that records bin/tandem's start-up cache at exit
# (bin/jvm-flags.sh: an AOT cache on JDK 25+, a class-data-sharing archive before): the first
# start seeds the demo clinic, so the cache holds the classes of start-up and of password hashing.
train_startup_cache() {
  local dir pid i
  dir=$(mktemp -d)
  echo "run-foundation: training run for $TANDEM_STARTUP_CACHE" >&2
  # shellcheck disable=SC2086 # the flags are meant to be split
  (cd "$dir" && exec env -u JAVA_TOOL_OPTIONS -u JDK_JAVA_OPTIONS TANDEM_HTTP_PORT=0 TANDEM_STORE_EMBEDDED_PORT=0 \
    TANDEM_STORE_DATA_DIR="$dir/data" "$TANDEM_JAVA" $SERVER_JVM_FLAGS "${TANDEM_STARTUP_CACHE_RECORD[@]}" -jar "$jar" >"$dir/log" 2>&1) &
  pid=$!
  for ((i = 0; i < 900; i++)); do
    grep -q 'Tandem is ready at' "$dir/log" 2>/dev/null && break
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.1
  done
  kill -TERM "$pid" 2>/dev/null || true
  wait "$pid" || true
  if ! grep -q 'Tandem is ready at' "$dir/log" || [[ ! -s $TANDEM_STARTUP_CACHE ]]; then
    echo "run-foundation: the training run failed:" >&2
    tail -20 "$dir/log" >&2
    rm -rf "$dir"
    exit 1
  fi
  rm -rf "$dir"
}

if $appcds; then
  tandem_startup_cache "$jar"
  if [[ ! -s $TANDEM_STARTUP_CACHE || $TANDEM_STARTUP_CACHE -ot $jar ]]; then
    rm -f "$TANDEM_STARTUP_CACHE"
    train_startup_cache
  fi
  SERVER_JVM_FLAGS="$SERVER_JVM_FLAGS ${TANDEM_STARTUP_CACHE_USE[*]}"
fi

# Waits up to 60 s (twice) for a quiet machine: other builds or tests on the same cores skew every
# number; the report says whether it was quiet and how busy other processes were in each phase.
exec java "${TANDEM_BENCH_CLIENT_JVM_FLAGS[@]}" bench/FoundationBench.java --jar "$jar" --java "$TANDEM_JAVA" --server-jvm-flags "$SERVER_JVM_FLAGS" --quiet-wait 60 "${args[@]}"
