"""Building the shipped gazetteer data (run by hand; the runtime reads only the files it writes)."""
