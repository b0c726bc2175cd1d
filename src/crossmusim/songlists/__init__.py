"""Song lists from charts, playlists and prominent artists' pages: the well-known songs the LLM branch
describes (`crossmusim songs`)."""
