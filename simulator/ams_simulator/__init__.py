"""A strict, persistent simulator of the Anbox Management Service (AMS) HTTP API."""

__version__ = "0.1.0"
