# Which java runs the Tandem server (sourced by bin/jvm-flags.sh, so by bin/tandem and the
# benchmark launchers; not run on its own).
#
# TANDEM_JAVA (a java binary) when it is set; otherwise the newest Java, 17 or later, among the
# java on PATH, $JAVA_HOME/bin/java and the JDKs under /usr/lib/jvm (TANDEM_JVM_ROOT to look
# elsewhere). Tandem is compiled for Java 17 (the build and the tests use Maven's java) and runs
# unchanged on later JDKs, which do its work with less CPU: on the 2-core machine of the README's
# Performance section, JDK 25 (with compact object headers, bin/jvm-flags.sh) took 391-526 us of
# server CPU per single check-in upload in the session's runs at the machine's usual speed, against
# 568 us on JDK 17 in the same hour (2,900 uploads/s against 3,039-3,950), and about a tenth less
# per message (docs/performance-log.md, session 10). The test suite passes on both.
#
# Sets TANDEM_JAVA (the binary), TANDEM_JAVA_FEATURE (its feature version: 17, 21, 25, ...) and
# TANDEM_JAVA_VERSION (the full version string), or exits with a message when no Java 17+ is found.

# Prints the full version of the java binary $1 (e.g. 25.0.3, 17.0.15, 1.8.0_392), or nothing.
# Read from the JDK's release file where there is one: starting a JVM to ask takes ~0.1 s each.
tandem_java_version() {
  local bin home v=""
  bin=$(readlink -f "$1" 2>/dev/null) || return 0
  home=$(dirname "$(dirname "$bin")")
  if [[ -r $home/release ]]; then
    v=$(sed -n 's/^JAVA_VERSION="\([^"]*\)".*/\1/p' "$home/release")
  fi
  if [[ -z $v ]]; then
    v=$("$bin" -version 2>&1 | sed -n '1s/.*version "\([^"]*\)".*/\1/p')
  fi
  printf '%s' "$v"
}

# The feature version of a version string: 25.0.3 -> 25, 17 -> 17, 26-ea -> 26, 1.8.0_392 -> 8.
tandem_java_feature_of() {
  local v=${1#1.}
  v=${v%%[!0-9]*}
  printf '%s' "$v"
}

tandem_choose_java() {
  if [[ -n ${TANDEM_JAVA:-} ]]; then
    if [[ ! -x $TANDEM_JAVA ]]; then
      echo "TANDEM_JAVA=$TANDEM_JAVA is not an executable java binary" >&2
      exit 2
    fi
    TANDEM_JAVA_VERSION=$(tandem_java_version "$TANDEM_JAVA")
    TANDEM_JAVA_FEATURE=$(tandem_java_feature_of "$TANDEM_JAVA_VERSION")
  else
    local candidates=() c real v f seen=" " best="" best_version="" best_feature=0
    if command -v java >/dev/null 2>&1; then
      candidates+=("$(command -v java)")
    fi
    if [[ -n ${JAVA_HOME:-} ]]; then
      candidates+=("$JAVA_HOME/bin/java")
    fi
    for c in "${TANDEM_JVM_ROOT:-/usr/lib/jvm}"/*/bin/java; do
      candidates+=("$c")
    done
    for c in "${candidates[@]}"; do
      [[ -x $c ]] || continue
      real=$(readlink -f "$c") || continue
      [[ $seen == *" $real "* ]] && continue
      seen+="$real "
      v=$(tandem_java_version "$real")
      f=$(tandem_java_feature_of "$v")
      [[ $f =~ ^[0-9]+$ ]] || continue
      if ((f > best_feature)); then
        best=$real best_version=$v best_feature=$f
      fi
    done
    if [[ -z $best ]]; then
      echo "No java found: Tandem needs Java 17 or later (on PATH, in JAVA_HOME, or TANDEM_JAVA=/path/to/bin/java)" >&2
      exit 2
    fi
    TANDEM_JAVA=$best TANDEM_JAVA_VERSION=$best_version TANDEM_JAVA_FEATURE=$best_feature
  fi
  if [[ ! $TANDEM_JAVA_FEATURE =~ ^[0-9]+$ ]] || ((TANDEM_JAVA_FEATURE < 17)); then
    echo "Tandem needs Java 17 or later; $TANDEM_JAVA is ${TANDEM_JAVA_VERSION:-of an unknown version}" >&2
    exit 2
  fi
}

tandem_choose_java
