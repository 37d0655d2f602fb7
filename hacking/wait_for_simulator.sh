#!/usr/bin/env bash
# Sourced by the scripts that start the simulator in the background.
# wait_for_simulator WHO PID READY_FILE STDERR_FILE: return once the simulator has written its
# ready file; exit 1 (with its stderr) if it died first or was not ready within 30 s.
wait_for_simulator() {
    local who=$1 pid=$2 ready=$3 stderr=$4
    for _ in $(seq 300); do
        [[ -s $ready ]] && return 0
        if ! kill -0 "$pid" 2>/dev/null; then
            echo "$who: the simulator exited before it was ready:" >&2
            cat "$stderr" >&2
            exit 1
        fi
        sleep 0.1
    done
    echo "$who: the simulator was not ready after 30s:" >&2
    cat "$stderr" >&2
    exit 1
}
