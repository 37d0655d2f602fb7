#!/usr/bin/env bash
# Run every benchmark listed in hacking/benchmarks.txt; exit 1 if one failed, a listed one
# is missing, or a bench*.py in the repository is not listed.
set -uo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
venv=${VENV:-$root/.venv}
list=$root/hacking/benchmarks.txt
cd "$root" || exit 1

failed=0
listed=$(grep -v '^[[:space:]]*\(#\|$\)' "$list" | awk '{print $1}')
while IFS= read -r found; do
    if ! grep -qxF "$found" <<< "$listed"; then
        echo "bench: $found is not listed in hacking/benchmarks.txt" >&2
        failed=1
    fi
done < <(git ls-files --cached --others --exclude-standard -- '*bench*.py' ':!:hacking/*')

while read -r -u 3 script arguments; do
    [[ -z $script || $script == \#* ]] && continue
    if [[ ! -f $script ]]; then
        echo "bench: $script is listed in hacking/benchmarks.txt but does not exist" >&2
        failed=1
        continue
    fi
    echo "==> $script $arguments"
    # shellcheck disable=SC2086  # the arguments column is split into words on purpose
    if ! PATH="$venv/bin:$PATH" PYTHONPATH="$root/simulator${PYTHONPATH:+:$PYTHONPATH}" \
            "$venv/bin/python" "$script" $arguments; then
        echo "bench: $script failed" >&2
        failed=1
    fi
done 3< "$list"
exit "$failed"
