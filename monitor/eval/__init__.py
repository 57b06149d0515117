"""`monitor eval`: replay a labeled corpus on a temporary database, then score it."""
