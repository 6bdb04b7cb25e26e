"""The Gmail add-on (Google Workspace HTTP runtime): verified endpoints that answer with cards."""
