"""Uploaded packages on disk, named by their SHA-256, written via a temp file and a rename."""

import os


class BlobStore:
    def __init__(self, state_dir):
        self.directory = os.path.join(state_dir, "blobs")
        self.tmp_directory = os.path.join(state_dir, "tmp")
        os.makedirs(self.directory, exist_ok=True)
        os.makedirs(self.tmp_directory, exist_ok=True)
        for leftover in os.listdir(self.tmp_directory):
            os.unlink(os.path.join(self.tmp_directory, leftover))

    def path(self, sha256):
        return os.path.join(self.directory, sha256)

    def keep(self, tmp_path, sha256):
        """Move an upload into place (before the transaction that references it commits)."""
        target = self.path(sha256)
        if os.path.exists(target):
            os.unlink(tmp_path)
        else:
            os.replace(tmp_path, target)
        return sha256

    def remove_unreferenced(self, referenced):
        for name in os.listdir(self.directory):
            if name not in referenced:
                os.unlink(os.path.join(self.directory, name))
