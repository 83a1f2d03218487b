"""e-Cabinet: paperless government meetings with built-in video sessions."""

__version__ = "0.1.0"
