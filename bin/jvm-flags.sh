# The server's java and JVM flags, shared by bin/tandem and the benchmark launchers (sourced, not
# run). bin/java.sh chooses the java (TANDEM_JAVA, else the newest Java 17+ installed).
source "$(dirname "${BASH_SOURCE[0]}")/java.sh"

# Measured with bench/run-foundation.sh and bench/run-messaging.sh (README, Performance):
#   -XX:+UseG1GC                      G1 even where ergonomics would pick Serial (under 2 CPUs or 1792 MB)
#   -Xms128m -Xmx2g                   the embedded store keeps its data in the heap: a year of daily
#                                     check-ins for 500 patients holds ~770 MB live, ~430,000
#                                     messages ~0.9 GB; a 1 GB heap spent the check-ins benchmark's
#                                     panel phase in back-to-back concurrent cycles. The heap grows
#                                     only as needed, so an idle demo stays small (README)
#             short young pauses: the messaging p99 is set by pauses
#   -XX:MaxGCPauseMillis=20           messaging p99 at 1,000/s: 36 ms (133 ms with G1's default 200,
#                                     whose larger young generation pauses longer); 10 was no
#                                     better for messaging and slowed check-in uploads by a third
#   -XX:G1PeriodicGCInterval=5000     an idle server gives memory back after 5 s without a GC.
#                                     It was 1 s: at 200 messages/s (a young GC every ~3 s) that
#                                     added a collection and a concurrent cycle every second
#                                     (20-100 ms pauses; p99 41 ms, 25-32 ms without them). Each
#                                     periodic collection still starts a concurrent cycle, whose
#                                     mixed collections then land on the traffic (below). 15 s
#                                     left 1,965 MiB resident 20 s after the login benchmark
#                                     (250 MiB after 60 s), so it stays at 5 s
#   -XX:G1MixedGCCountTarget=48       mixed collections in 48 smaller steps instead of 8: G1 must
#                                     take at least 1/N of the candidate old regions per mixed
#                                     pause, and the stored documents are live, pointer-rich data.
#                                     Mixed pauses 19-26 ms instead of 35-94 ms (24-31 ms with 24;
#                                     measured on JDK 25, the same flags on 17 were not measured)
#   -XX:G1HeapWastePercent=10         stop mixed collections while under 10% of the heap is
#                                     reclaimable (5 by default): fewer of them, ~100 MB more heap
#   -XX:MinHeapFreeRatio=20           with MaxHeapFreeRatio=40, an idle collection shrinks the heap
#   -XX:MaxHeapFreeRatio=40           to its use plus 40%: after 200 logins (19 MiB each, Argon2)
#                                     an idle server kept 394 MiB resident under the 2 GB ceiling,
#                                     260 MiB with these (10/30 gave 242 MiB but slowed messaging)
#   -XX:TrimNativeHeapInterval=1000   returns freed malloc memory (C2 compiler arenas) to the OS
#   -XX:+ExitOnOutOfMemoryError       fail fast rather than limp on a full heap
# IgnoreUnrecognizedVMOptions lets JDK 17 builds older than 17.0.9 (no TrimNativeHeapInterval) start.
TANDEM_DEFAULT_JVM_FLAGS="-XX:+IgnoreUnrecognizedVMOptions -XX:+UseG1GC -Xms128m -Xmx2g -XX:MaxGCPauseMillis=20 -XX:G1PeriodicGCInterval=5000 -XX:G1MixedGCCountTarget=48 -XX:G1HeapWastePercent=10 -XX:MinHeapFreeRatio=20 -XX:MaxHeapFreeRatio=40 -XX:TrimNativeHeapInterval=1000 -XX:+ExitOnOutOfMemoryError"
# On JDK 25 and later (where it is a product flag, JEP 519):
#   -XX:+UseCompactObjectHeaders      8-byte object headers instead of 12: the embedded store's
#                                     documents are many small objects. Three runs each with and
#                                     without, JDK 25: check-in batches of 50 15,222-17,284/s
#                                     against 11,441-14,500, messages 12,467-12,787/s against
#                                     11,071-11,866; single uploads within the noise
if ((TANDEM_JAVA_FEATURE >= 25)); then
  TANDEM_DEFAULT_JVM_FLAGS="$TANDEM_DEFAULT_JVM_FLAGS -XX:+UseCompactObjectHeaders"
fi

# Whether the kernel gives transparent huge pages to memory that asks for them (mode "always" or
# "madvise"; the JVM asks with -XX:+UseTransparentHugePages). TANDEM_THP_SETTING names the file to
# read (tests).
thp_setting=${TANDEM_THP_SETTING:-/sys/kernel/mm/transparent_hugepage/enabled}
thp_available=false
if grep -qE '\[(always|madvise)\]' "$thp_setting" 2>/dev/null; then
  thp_available=true
fi

# TANDEM_HUGE_PAGES=on: the heap (and the collector's tables) on 2 MB transparent huge pages, for
# a server whose messaging latency matters most, on a kernel that samples page accesses (DAMON, as
# on the benchmark machine: README, "This machine stalls large processes"). That sampling holds a
# CPU for a time that grows with the 4 KB pages mapped: 49 ms at most in 20 s with a 1.5 GB heap,
# 13 ms with huge pages (bench/PageStallProbe.java). Messaging p99 at 200/s 5.9-8.5 ms with it
# against 16.4-18.3 ms without (session 11). Off by default because an idle server after the
# login benchmark then kept 299-308 MiB (target 300) against ~250 MiB: the collector's tables stay
# resident in 2 MB pieces. Check-in uploads were within the noise either way (2-3 runs each); the
# panel's p95 was 37-56 ms with it against 29-33 ms without.
case ${TANDEM_HUGE_PAGES:-off} in
  on)
    if $thp_available; then
      TANDEM_DEFAULT_JVM_FLAGS="$TANDEM_DEFAULT_JVM_FLAGS -XX:+UseTransparentHugePages"
    else
      echo "TANDEM_HUGE_PAGES=on, but this kernel's transparent huge pages are off ($thp_setting); running without them" >&2
    fi
    ;;
  off) ;;
  *)
    echo "TANDEM_HUGE_PAGES is on or off, not '$TANDEM_HUGE_PAGES'" >&2
    exit 2
    ;;
esac

# JVM flags for the benchmarks' load generators (not the server): huge pages where the kernel has
# them, so that the machine's page-access sampling stalls the measuring program less; its stalls
# count against the server (a late send or receive is the server's latency).
TANDEM_BENCH_CLIENT_JVM_FLAGS=()
if $thp_available; then
  TANDEM_BENCH_CLIENT_JVM_FLAGS=(-XX:+UseTransparentHugePages)
fi

# The start-up cache of the default flags, one per Java version beside the jar ($1, an absolute
# path: the cache names it), recorded by the first run after a build when it exits and mapped by
# later runs. On JDK 25+ the AOT cache (JEP 483/514/515: classes already loaded and linked, and
# method profiles; a restart ready in 1.8-1.9 s against 2.5-2.6 s with the archive below, session
# 10; recording it takes ~7 s at the first run's exit); before, JDK 17's dynamic class-data-sharing
# archive (restarts ~0.3 s faster than without). Either is tied to the JVM and its flags.
# Sets TANDEM_STARTUP_CACHE (the file) and the arrays TANDEM_STARTUP_CACHE_USE and
# TANDEM_STARTUP_CACHE_RECORD (the JVM flags that map it and that record it at exit).
tandem_startup_cache() {
  local base=${1%.jar}-java$TANDEM_JAVA_FEATURE
  if [[ $TANDEM_DEFAULT_JVM_FLAGS == *UseTransparentHugePages* ]]; then
    base=$base-thp
  fi
  if ((TANDEM_JAVA_FEATURE >= 25)); then
    TANDEM_STARTUP_CACHE=$base.aot
    TANDEM_STARTUP_CACHE_USE=(-XX:AOTCache="$TANDEM_STARTUP_CACHE" '-Xlog:aot*=off' '-Xlog:cds*=off')
    TANDEM_STARTUP_CACHE_RECORD=(-XX:AOTCacheOutput="$TANDEM_STARTUP_CACHE" '-Xlog:aot*=off' '-Xlog:cds*=off')
  else
    TANDEM_STARTUP_CACHE=$base.jsa
    TANDEM_STARTUP_CACHE_USE=(-XX:SharedArchiveFile="$TANDEM_STARTUP_CACHE" -Xlog:cds=off -Xlog:cds+dynamic=off)
    TANDEM_STARTUP_CACHE_RECORD=(-XX:ArchiveClassesAtExit="$TANDEM_STARTUP_CACHE" -Xlog:cds=off -Xlog:cds+dynamic=off)
  fi
}
