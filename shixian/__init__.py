"""Shixian (时限): cross-cutting pieces: settings, the command line, the `make run` launcher."""
