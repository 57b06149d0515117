"""Article extraction: body, title, author, language and date from a fetched page."""
