"""The LLM runtime: one client interface, OpenAI-compatible providers, model registry, request cache,
rate limits, cumulative budget, batch files, the vLLM launcher and in-process client, and the one
call -> validate -> repair loop. Feature packages (`generate`, `aspects`) own their prompts and reply
schemas and reach models through an `LLMSession`."""
