"""Files on disk: the content-addressed blob store, PDF inspection, watermarking, board books.

Nothing here knows about HTTP or the database; services use these building blocks.
"""
