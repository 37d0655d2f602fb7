#!/usr/bin/env bash
# Print the directory that holds a collection copy (<it>/ansible_collections/anbox/ams) for
# one user of it (sanity, units, integration, lint), so that they can run side by side.
# It lies outside the repository: inside it, ansible-test would find the repository's
# .git above the copy and list no files at all (the copy sits in an ignored folder).
# Usage: copy_root.sh [USER]
# Environment: ANSIBLE_TEST_COPY_ROOT overrides the default base, one folder per checkout.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
checkout_id=$(printf '%s' "$root" | sha256sum | cut -c1-12)
base=${ANSIBLE_TEST_COPY_ROOT:-${TMPDIR:-/tmp}/anbox.ams-test-$(id -u)-$checkout_id}
echo "$base${1:+/$1}"
