"""Himaya: an information system for programmes that protect and assist migrants."""
