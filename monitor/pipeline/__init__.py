"""The pipeline: poll a feed (fetch, parse, extract), ingest each article, rematch."""
