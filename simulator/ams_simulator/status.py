"""Numeric status codes and their names, per object kind, as AMS reports them."""

APPLICATION = {-1: "error", 0: "unknown", 1: "initializing", 2: "ready", 3: "deleted"}
VERSION = {-1: "error", 0: "unknown", 1: "initializing", 2: "created", 3: "active", 4: "deleted", 5: "available",
           6: "queued"}
IMAGE = VERSION
CONTAINER = {-1: "error", 0: "unknown", 1: "created", 2: "prepared", 3: "started", 4: "running", 5: "stopped",
             6: "deleted"}
NODE = {-1: "error", 0: "unknown", 1: "created", 2: "initializing", 3: "initialized", 4: "online", 5: "offline",
        6: "deleted"}
TASK = {-1: "unknown", 0: "created", 1: "assigned", 2: "prepared", 3: "started", 4: "running", 5: "shutdown",
        6: "stopped", 7: "completed", 8: "error", 9: "deleted"}


def set_status(obj, table, code):
    obj["status_code"] = code
    obj["status"] = table[code]
    return obj
