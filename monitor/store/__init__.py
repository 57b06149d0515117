"""Storage: ORM tables, engine/sessions, and the queries the pipeline uses."""
