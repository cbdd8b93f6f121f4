"""loss-analyzer: diagnose neural-network training runs from their loss logs."""

from analyzer.errors import AnalyzerError, InputError

__version__ = "0.1.0"

__all__ = ["AnalyzerError", "InputError", "__version__"]
