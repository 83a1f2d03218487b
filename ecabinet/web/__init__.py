"""The web layer: parse, authorize, render. Rules live in ``ecabinet.services``."""
