"""Build helpers used by tasks.py and layers/create-layer.sh (never shipped)."""
