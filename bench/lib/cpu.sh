# CPU time of the portal and of its private PostgreSQL cluster, read from /proc; sourced
# by the benchmarks that report CPU per request. They set PORTAL_PID (the portal
# process) and WORK (its data directory, where the cluster lives).

# CPU time used so far, in clock ticks (user + system): by the portal, and by the
# cluster, that is the postmaster, its running children (connections, background
# processes) and the children it has reaped (pgbench's connections once they end).
portal_ticks() { awk '{ sub(/^.*\) /, ""); print $12 + $13 }' "/proc/$PORTAL_PID/stat"; }
cluster_ticks() {
    local postmaster
    postmaster=$(head -n 1 "$WORK/postgres/data/postmaster.pid")
    { cat /proc/[0-9]*/stat 2>/dev/null || true; } | awk -v root="$postmaster" '
        { pid = $1; sub(/^.*\) /, "") }
        pid == root { t += $12 + $13 + $14 + $15 }
        $2 == root { t += $12 + $13 }
        END { print t + 0 }'
}

# Microseconds of CPU per row between two tick counts.
per_row_us() {
    awk -v a="$1" -v b="$2" -v n="$3" -v hz="$(getconf CLK_TCK)" \
        'BEGIN { printf "%.0f", (n > 0 ? (b - a) / hz * 1e6 / n : 0) }'
}
