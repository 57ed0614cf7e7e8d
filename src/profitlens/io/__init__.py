"""Outputs on disk: written atomically (a new folder swapped in), read back by the report, the
CLI and the dashboard."""
