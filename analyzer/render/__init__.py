"""Renderers: one per output format, all over the same :class:`Diagnosis`."""
