"""The LLM layer: neutral messages, one chat-model protocol, one module per provider (imported lazily)."""
