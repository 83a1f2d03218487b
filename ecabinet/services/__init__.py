"""Use cases and the rules they enforce. Nothing here imports aiohttp or aiortc."""
