#!/usr/bin/env bash
# Print "VERSION PATH" for each real CPython 3.9-3.13 interpreter found, newest first.
# pyenv's shims fail once ansible-test scrubs the environment, so pyenv installs are
# resolved to the binaries under $(pyenv root)/versions; elsewhere PATH is searched.
set -euo pipefail

pyenv_root() {
    if command -v pyenv >/dev/null 2>&1; then
        pyenv root
    elif [[ -d ${PYENV_ROOT:-$HOME/.pyenv}/versions ]]; then
        echo "${PYENV_ROOT:-$HOME/.pyenv}"
    fi
}

works() {
    "$1" -c 'import sys; sys.exit(0)' >/dev/null 2>&1
}

root=$(pyenv_root)
for minor in 13 12 11 10 9; do
    version=3.$minor
    found=
    if [[ -n $root ]]; then
        # newest patch release first: 3.13.10 sorts above 3.13.2
        for dir in $(find "$root/versions" -mindepth 1 -maxdepth 1 -name "$version.*" 2>/dev/null | sort -rV); do
            if [[ $dir =~ /$version\.[0-9]+$ ]] && works "$dir/bin/python$version"; then
                found=$dir/bin/python$version
                break
            fi
        done
    fi
    if [[ -z $found ]]; then
        candidate=$(command -v "python$version" 2>/dev/null || true)
        if [[ -n $candidate && $candidate != */shims/* ]] && works "$candidate"; then
            found=$candidate
        fi
    fi
    if [[ -n $found ]]; then
        echo "$version $found"
    fi
done
