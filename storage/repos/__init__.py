"""Repository functions: keyword-only, each takes a session and is scoped to one workspace."""
