"""OpenAI itself: `gpt-4o-mini`, `gpt-4o`...; key from OPENAI_API_KEY; json_schema structured output."""

from crossmusim.prompting.providers import Provider, register

OPENAI = register(Provider(
    name="openai", default_base_url="https://api.openai.com/v1", key_env="OPENAI_API_KEY",
    key_required=True, json_mode="json_schema",
))
