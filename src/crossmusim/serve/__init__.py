"""Similar songs as a service (the paper's Table III half): arms of an A/B test (`arms`), durable events
(`events`), the FastAPI app (`app`), and the A/B analysis (`ab_report`)."""
