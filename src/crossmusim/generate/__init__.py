"""`crossmusim generate`: LLM descriptions of songs from artist and title only."""
