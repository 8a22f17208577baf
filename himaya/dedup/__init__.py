"""Deduplication of registrations: name normalisation, features, a Splink model,
clustering and evaluation. Importable without Django settings; the review queue
and merge pages will make this package a Django app."""
