"""The embedded demo world users run: the bundled encyclopedia site served on loopback (`crawl --demo`)."""
