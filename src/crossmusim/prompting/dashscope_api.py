"""Alibaba Cloud DashScope through its OpenAI-compatible mode: `qwen2-7b-instruct`, `qwen-plus`...

Key from DASHSCOPE_API_KEY. Compatible mode accepts `response_format={"type": "json_object"}` (not
json_schema), so the schema is stated in the prompt and validated on our side. Set
`--base-url https://dashscope-intl.aliyuncs.com/compatible-mode/v1` for the international endpoint.
"""

from crossmusim.prompting.providers import Provider, register

DASHSCOPE = register(Provider(
    name="dashscope", default_base_url="https://dashscope.aliyuncs.com/compatible-mode/v1",
    key_env="DASHSCOPE_API_KEY", key_required=True, json_mode="json_object",
))
