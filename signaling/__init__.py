"""WebSocket signaling and the aiortc SFU (the live meeting). Depends on ecabinet.services,
never the other way round."""
