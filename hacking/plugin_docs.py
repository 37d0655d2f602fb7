"""Check that ansible-doc renders the documentation of every plugin of an installed collection.

One JUnit test case per plugin: it passes when `ansible-doc --json` returns the plugin's
documentation with a short_description. One ansible-doc run covers all plugins of a type;
a plugin that fails there is run alone, for an error message about it only.

Usage: python plugin_docs.py COLLECTIONS_PATH NAMESPACE.NAME JUNIT_FILE
  COLLECTIONS_PATH holds ansible_collections/NAMESPACE/NAME (from `ansible-galaxy collection install -p`).
Exit status: 1 when a plugin's documentation is missing or broken, or when there is no plugin.
"""

import json
import os
import subprocess
import sys
import time
from pathlib import Path

from junit_write import write_suite

# plugin folder -> ansible-doc type, for the plugin types that keep their docs in the .py file
PLUGIN_TYPES = {
    "modules": "module",
    "inventory": "inventory",
    "lookup": "lookup",
    "callback": "callback",
    "connection": "connection",
    "become": "become",
    "cache": "cache",
    "vars": "vars",
}


def installed_plugins(collection_dir):
    for folder, doc_type in sorted(PLUGIN_TYPES.items()):
        for path in sorted((collection_dir / "plugins" / folder).glob("*.py")):
            if path.name != "__init__.py" and not path.name.startswith("_"):
                yield doc_type, path.stem


def run_ansible_doc(doc_type, fqcns, environment):
    command = ["ansible-doc", "--json", "-t", doc_type] + fqcns
    completed = subprocess.run(command, capture_output=True, text=True, env=environment, check=False)
    output = "$ %s\n%s%s" % (" ".join(command), completed.stdout[-4000:], completed.stderr[-4000:])
    try:
        docs = json.loads(completed.stdout) if completed.returncode == 0 else {}
    except ValueError:
        docs = {}
    return docs, output


def judge(fqcn, docs, output):
    """Return (result, message) for one plugin from ansible-doc's JSON."""
    doc = (docs.get(fqcn) or {}).get("doc") if isinstance(docs, dict) else None
    if not isinstance(doc, dict):
        return "failed", "no documentation in the output\n" + output
    if not doc.get("short_description"):
        return "failed", "documentation without short_description\n" + output
    return "passed", ""


def check_type(doc_type, fqcns, environment):
    """Yield (fqcn, result, message); one ansible-doc run for all, one per plugin to explain a failure."""
    docs, _output = run_ansible_doc(doc_type, fqcns, environment)
    for fqcn in fqcns:
        result, message = judge(fqcn, docs, "")
        if result == "failed":
            single_docs, single_output = run_ansible_doc(doc_type, [fqcn], environment)
            result, message = judge(fqcn, single_docs, single_output)
        yield fqcn, result, message


def main(argv):
    if len(argv) != 3:
        sys.exit(__doc__.strip())
    collections_path, collection, junit_file = argv
    namespace, name = collection.split(".")
    collection_dir = Path(collections_path, "ansible_collections", namespace, name)
    environment = dict(os.environ, ANSIBLE_COLLECTIONS_PATH=collections_path)

    cases = []
    by_type = {}
    for doc_type, plugin in installed_plugins(collection_dir):
        by_type.setdefault(doc_type, []).append("%s.%s" % (collection, plugin))
    for doc_type, fqcns in sorted(by_type.items()):
        started = time.monotonic()
        for fqcn, result, message in check_type(doc_type, fqcns, environment):
            print("ansible-doc -t %s %s: %s" % (doc_type, fqcn, result))
            if message:
                print(message)
            cases.append(("ansible-doc %s %s" % (doc_type, fqcn), (time.monotonic() - started) / len(fqcns), result, message))
    if not cases:
        cases.append(("ansible-doc", 0.0, "failed", "no plugin found under %s/plugins" % collection_dir))
        print(cases[0][3])
    write_suite(junit_file, "ansible-doc", cases)
    return 1 if any(case[2] == "failed" for case in cases) else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
