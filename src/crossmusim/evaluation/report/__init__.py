"""The evaluation report: `metrics.json`, `report.md`, PNG plots and `report.html` (with audio players)."""
