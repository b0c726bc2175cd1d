"""A vLLM OpenAI-compatible server (`vllm serve Qwen/Qwen2-7B-Instruct`), or any compatible server.

No default endpoint: pass `--base-url http://HOST:8000/v1`, or let crossmusim start `vllm serve`
itself when a `vllm` executable is on PATH (`vllm_launcher.py`). A key is optional
(VLLM_API_KEY, matching `vllm serve --api-key`). vLLM supports json_schema guided decoding.
"""

from crossmusim.prompting.providers import Provider, register

VLLM = register(Provider(
    name="vllm", default_base_url=None, key_env="VLLM_API_KEY", key_required=False,
    json_mode="json_schema", batch_discount=1.0,
))
# Any other OpenAI-compatible server (llama.cpp, Ollama, LM Studio, the bundled fake server...).
OPENAI_COMPATIBLE = register(Provider(
    name="openai-compatible", default_base_url=None, key_env="OPENAI_COMPATIBLE_API_KEY",
    key_required=False, json_mode="json_object", batch_discount=1.0,
))
# In-process `vllm.LLM` batch inference on the machine itself (see vllm_offline.py).
VLLM_OFFLINE = register(Provider(
    name="vllm-offline", default_base_url=None, key_env=None, key_required=False,
    json_mode="json_schema", batch_discount=1.0,
))
