"""Reads for the ops pages: keyword-only, typed functions over aware time ranges and validated filters."""
