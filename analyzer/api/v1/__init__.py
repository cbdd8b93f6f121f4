"""Generated from proto/analyzer/api/v1/ by ``python -m analyzer.api.regenerate``; do not edit."""
