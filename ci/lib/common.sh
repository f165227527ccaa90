# shellcheck shell=bash
# Helpers shared by ci/setup and its pieces: step lines, timing, logs.
#
# Each step prints one line, `setup: NAME ... ok (NOTE, 1.2s)`. Noisy
# commands go to a log under $OCIX_CACHE/logs; on failure its tail is
# printed so CI output shows why.

: "${OCIX_CACHE:=/var/cache/ocix}"
export OCIX_CACHE
OCIX_LOGS="$OCIX_CACHE/logs"
mkdir -p "$OCIX_LOGS"

# Microseconds since the epoch (bash 5, no fork).
now_us() { local t=${EPOCHREALTIME//[!0-9]/}; echo "$((10#$t))"; }

# Seconds since $1 (from now_us), one decimal.
since() {
    local ms=$((($(now_us) - $1) / 1000))
    printf '%d.%ds' $((ms / 1000)) $((ms % 1000 / 100))
}

# STEP_NOTE is set by a step function to say what it did ("cached",
# "installed 3"); CURRENT_STEP names the running step for the failure
# line.
STEP_NOTE=""
CURRENT_STEP=""

# step NAME FUNC [ARGS...]: run FUNC in this shell and print its line.
step() {
    local name=$1 t0
    shift
    t0=$(now_us)
    STEP_NOTE=""
    CURRENT_STEP=$name
    "$@"
    printf 'setup: %-16s ok (%s%s)\n' "$name" "${STEP_NOTE:+$STEP_NOTE, }" "$(since "$t0")"
    CURRENT_STEP=""
}

# Print which step failed when the script dies with set -e.
on_exit() {
    local rc=$?
    if [[ $rc -ne 0 && -n $CURRENT_STEP ]]; then
        printf 'setup: %-16s FAILED (exit %d)\n' "$CURRENT_STEP" "$rc" >&2
    fi
}

# logged NAME CMD...: run CMD with its output in $OCIX_LOGS/NAME.log;
# on failure print the log's tail to stderr and return CMD's status.
logged() {
    local log="$OCIX_LOGS/$1.log" rc=0
    shift
    "$@" >"$log" 2>&1 || rc=$?
    if [[ $rc -ne 0 ]]; then
        echo "setup: '$*' failed (exit $rc); last lines of $log:" >&2
        tail -n 30 "$log" >&2
    fi
    return "$rc"
}
