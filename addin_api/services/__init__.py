"""Use cases shared by both front doors; no Flask, no HTTP clients."""
