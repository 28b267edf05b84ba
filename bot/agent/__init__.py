"""The agent: the tool loop, its system prompt, grounding of numbers, routing and cost control."""
