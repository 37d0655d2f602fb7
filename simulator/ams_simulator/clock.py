"""Timestamps in the two forms AMS uses."""

import datetime
import time


def unix_now():
    return int(time.time())


def rfc3339_now():
    now = datetime.datetime.now(datetime.timezone.utc)
    return now.strftime("%Y-%m-%dT%H:%M:%S.") + "%06d000Z" % now.microsecond
