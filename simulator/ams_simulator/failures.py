"""--fail KIND:NAME rules: named objects whose creation or bootstrap ends in error."""

KINDS = ("application", "container", "instance", "node", "image", "addon")


class FailureRules:
    def __init__(self, specs=()):
        self._rules = set()
        for spec in specs:
            kind, sep, name = spec.partition(":")
            if not sep or not name:
                raise ValueError("--fail takes KIND:NAME, got %r" % (spec,))
            if kind not in KINDS:
                raise ValueError("--fail kind must be one of %s, got %r" % (", ".join(KINDS), kind))
            self._rules.add((kind, name))

    def matches(self, kind, *names):
        return any((kind, name) in self._rules for name in names if name)
