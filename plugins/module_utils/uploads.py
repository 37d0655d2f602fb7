# -*- coding: utf-8 -*-
# Copyright (c) 2026 anbox.ams contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Streaming helpers for package uploads: never hold a whole package in memory."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import hashlib
import os

CHUNK_SIZE = 1024 * 1024


def sha256_file(path, chunk_size=CHUNK_SIZE):
    """SHA-256 of a file, lowercase hex, read in chunks."""
    digest = hashlib.sha256()
    with open(path, 'rb') as handle:
        for chunk in iter(lambda: handle.read(chunk_size), b''):
            digest.update(chunk)
    return digest.hexdigest()


class FileBody(object):
    """A request body that streams a file in large chunks with a known length.

    requests sends an iterable with ``__len__`` as a Content-Length body, one
    chunk at a time. The hash of what was actually sent is kept so a caller can
    detect a file that changed between the fingerprint pre-pass and the upload.
    """

    def __init__(self, path, chunk_size=CHUNK_SIZE):
        self.path = path
        self.chunk_size = chunk_size
        self.size = os.path.getsize(path)
        self.sent_digest = hashlib.sha256()
        self.sent_bytes = 0

    def __len__(self):
        return self.size

    def __iter__(self):
        with open(self.path, 'rb') as handle:
            for chunk in iter(lambda: handle.read(self.chunk_size), b''):
                self.sent_digest.update(chunk)
                self.sent_bytes += len(chunk)
                yield chunk
