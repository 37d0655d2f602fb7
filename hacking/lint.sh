#!/usr/bin/env bash
# Lint steps, each one JUnit test: changelog lint, docs lint, ansible-lint (roles and
# example playbooks), collection build + install, and ansible-doc of every plugin built.
# Environment: VENV (default <repo>/.venv); JUNIT_DIR (default <repo>/tests/output/junit/lint).
set -uo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
venv=${VENV:-$root/.venv}
results=${JUNIT_DIR:-$root/tests/output/junit/lint}
build=$root/build
export PATH="$venv/bin:$PATH"

copy_root=$("$root/hacking/copy_root.sh" lint)
collection=$("$root/hacking/copy_collection.sh" "$copy_root") || exit 1
failed=0

step() {
    "$venv/bin/python" "$root/hacking/run_step.py" --results "$results" --name "$@" || failed=1
}

cd "$collection" || exit 1
step changelog-lint --single -- antsibull-changelog lint
step docs-lint --single -- antsibull-docs lint-collection-docs --plugin-docs .

lint_paths=()
for path in roles playbooks/examples; do
    if [[ -d $path ]] && [[ -n $(ls -A "$path") ]]; then
        lint_paths+=("$path")
    fi
done
if (( ${#lint_paths[@]} )); then
    step ansible-lint --single -- env ANSIBLE_COLLECTIONS_PATH="$copy_root" \
        ansible-lint --nocolor --config-file "$root/hacking/ansible-lint.yml" --project-dir . \
        --offline --profile production --exclude changelogs/ -- "${lint_paths[@]}"
else
    step ansible-lint --skip "no roles/ or playbooks/examples/ yet"
fi

rm -rf "$build/dist" "$build/installed"
step galaxy-build --single -- ansible-galaxy collection build --output-path "$build/dist" .
shopt -s nullglob
tarballs=("$build"/dist/anbox-ams-*.tar.gz)
shopt -u nullglob
step galaxy-install --single -- env ANSIBLE_COLLECTIONS_PATH="$build/installed" \
    ansible-galaxy collection install --force -p "$build/installed" "${tarballs[@]:-"$build/dist/anbox-ams-*.tar.gz (not built)"}"
step ansible-doc -- python "$root/hacking/plugin_docs.py" "$build/installed" anbox.ams "$results/ansible-doc.xml"

exit "$failed"
