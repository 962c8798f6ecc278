"""Database models, queries and migrations."""
