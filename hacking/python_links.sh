#!/usr/bin/env bash
# Fill DIR with python3.X symlinks to the real interpreters found, so that ansible-test,
# with DIR first on PATH, finds every version (it scrubs the environment pyenv shims need).
# Each link is replaced atomically: runs side by side never see a missing link.
# Usage: python_links.sh DIR
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
dir=${1:?usage: python_links.sh DIR}

mkdir -p "$dir"
while read -r version path; do
    ln -sfn "$path" "$dir/.python$version.$$"
    mv -Tf "$dir/.python$version.$$" "$dir/python$version"
done < <("$here/real_pythons.sh")
