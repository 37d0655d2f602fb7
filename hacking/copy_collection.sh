#!/usr/bin/env bash
# Copy the collection (git-tracked plus untracked-not-ignored files, and the generated
# integration_config.yml) to DEST/ansible_collections/anbox/ams, the layout ansible-test
# demands, and print that path. ansible-test's tests/output there is kept between runs,
# so the virtual environments it caches survive.
# Usage: copy_collection.sh DEST
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
dest=${1:?usage: copy_collection.sh DEST}
collection=$dest/ansible_collections/anbox/ams
kept=$dest/.kept-output

rm -rf "$kept"
if [[ -d $collection/tests/output ]]; then
    mv "$collection/tests/output" "$kept"
fi
rm -rf "$collection"
mkdir -p "$collection"

cd "$root"
{
    git ls-files -z --cached --others --exclude-standard -- . \
        ':!:.venv' ':!:build' ':!:tests/output'
    if [[ -f tests/integration/integration_config.yml ]]; then
        printf '%s\0' tests/integration/integration_config.yml
    fi
} | while IFS= read -r -d '' file; do
    # a tracked file another engineer just deleted is not part of the collection any more
    if [[ -e $file || -L $file ]]; then
        printf '%s\0' "$file"
    fi
done | tar --null --no-recursion -T - -cf - | tar -C "$collection" -xf -

if [[ -d $kept ]]; then
    mkdir -p "$collection/tests"
    mv "$kept" "$collection/tests/output"
fi
echo "$collection"
