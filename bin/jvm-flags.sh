# The server's JVM flags, shared by bin/tandem and the benchmark launchers (sourced, not run).
# Measured with bench/run-foundation.sh and bench/run-messaging.sh (README, Performance):
#   -XX:+UseG1GC                      G1 even where ergonomics would pick Serial (under 2 CPUs or 1792 MB)
#   -Xms128m -Xmx1g                   the embedded store keeps its data in the heap (~2.5 KB per
#                                     message); beyond ~300k messages use MongoDB or raise -Xmx
#   -XX:MaxGCPauseMillis=10           short young pauses: the messaging p99 is set by pauses
#   -XX:G1PeriodicGCInterval=5000     an idle server gives memory back after 5 s without a GC.
#                                     It was 1 s: at 200 messages/s (a young GC every ~3 s) that
#                                     added a collection and a concurrent cycle every second
#                                     (20-100 ms pauses; p99 41 ms, 25-32 ms without them)
#   -XX:TrimNativeHeapInterval=1000   returns freed malloc memory (C2 compiler arenas) to the OS
#   -XX:+ExitOnOutOfMemoryError       fail fast rather than limp on a full heap
# IgnoreUnrecognizedVMOptions lets JDK 17 builds older than 17.0.9 (no TrimNativeHeapInterval) start.
TANDEM_DEFAULT_JVM_FLAGS="-XX:+IgnoreUnrecognizedVMOptions -XX:+UseG1GC -Xms128m -Xmx1g -XX:MaxGCPauseMillis=10 -XX:G1PeriodicGCInterval=5000 -XX:TrimNativeHeapInterval=1000 -XX:+ExitOnOutOfMemoryError"
