"""Gemini over the Gemini API (google-genai): the only module that knows that wire format.

Two Gemini specifics live here: tool schemas are cut down to the OpenAPI subset Gemini accepts, and thought
signatures travel with the parts they came on, because Gemini 3 rejects a replayed function call without one (only
the first of parallel calls has one; when streaming, a signature may come alone in a later empty part, and then it is
put back on the turn's first call). Signatures go back only to Gemini; other providers ignore them.
"""

from __future__ import annotations

import base64
import json
import uuid
from collections.abc import AsyncIterator, Sequence
from typing import Any

import aiohttp
import httpx2
from google import genai
from google.genai import errors as genai_errors
from google.genai import types

from bot.llm.base import (
    Completed,
    ErrorKind,
    ModelError,
    ModelRequest,
    StreamEvent,
    TextDelta,
    ToolSpec,
    ended_early,
    malformed_error,
    status_error,
    transport_error,
)
from bot.llm.messages import Message, ModelResponse, Signature, TextPart, ToolCallPart, ToolResultPart, Usage
from bot.llm.schema import inline_refs

PROVIDER = "gemini"
# Documented stand-in for a function call Gemini did not produce itself (another provider answered that step).
_SKIP_SIGNATURE = "skip_thought_signature_validator"
_KEEP = {"type", "format", "description", "nullable", "enum", "items", "properties", "required", "anyOf"}
_KEEP |= {"minItems", "maxItems", "minimum", "maximum", "minLength", "maxLength", "pattern", "title"}
_FORMATS = {"string": {"enum", "date-time"}, "integer": {"int32", "int64"}, "number": {"float", "double"}}


class GeminiModel:
    """One Gemini model. The SDK's own retries are off so a failing provider hands over quickly."""

    def __init__(
        self,
        model: str,
        *,
        api_key: str,
        base_url: str | None = None,
        timeout: float = 60.0,
        streaming: bool = True,
    ) -> None:
        self.model = model
        self.streaming = streaming
        self._client = genai.Client(
            api_key=api_key,
            http_options=types.HttpOptions(
                base_url=base_url,
                timeout=int(timeout * 1000),
                retry_options=types.HttpRetryOptions(attempts=1),
            ),
        )
        self._schemas: dict[str, tuple[dict[str, Any], types.Schema]] = {}

    @property
    def name(self) -> str:
        return f"{PROVIDER}:{self.model}"

    async def aclose(self) -> None:
        await self._client.aio.aclose()

    def _schema(self, tool: ToolSpec) -> types.Schema:
        """The tool's schema as Gemini takes it, converted again only when the tool's parameters object changes."""
        cached = self._schemas.get(tool.name)
        if cached is None or cached[0] is not tool.parameters:
            cached = (tool.parameters, types.Schema.model_validate(gemini_schema(tool.parameters)))
            self._schemas[tool.name] = cached
        return cached[1]

    def _config(self, request: ModelRequest) -> types.GenerateContentConfig:
        config = types.GenerateContentConfig(
            system_instruction=request.system or None,
            max_output_tokens=request.max_output_tokens,
            automatic_function_calling=types.AutomaticFunctionCallingConfig(disable=True),
        )
        if request.tools:
            config.tools = [
                types.Tool(
                    function_declarations=[
                        types.FunctionDeclaration(
                            name=tool.name, description=tool.description, parameters=self._schema(tool)
                        )
                        for tool in request.tools
                    ]
                )
            ]
            mode = types.FunctionCallingConfigMode.NONE if request.tool_choice == "none" else None
            mode = mode or types.FunctionCallingConfigMode.AUTO
            config.tool_config = types.ToolConfig(function_calling_config=types.FunctionCallingConfig(mode=mode))
        return config

    async def stream(self, request: ModelRequest) -> AsyncIterator[StreamEvent]:
        contents = _contents(request.messages)
        config = self._config(request)
        started = False
        builder = _ResponseBuilder(self.name)
        try:
            if not self.streaming:
                response = await self._client.aio.models.generate_content(
                    model=self.model, contents=contents, config=config
                )
                text = builder.add(response)
                if text:
                    yield TextDelta(text)  # the same events as a stream, in one piece
            else:
                chunks = await self._client.aio.models.generate_content_stream(
                    model=self.model, contents=contents, config=config
                )
                async for chunk in chunks:
                    started = True
                    delta = builder.add(chunk)
                    if delta:
                        yield TextDelta(delta)
                if not builder.finish_reason:
                    raise ended_early(self.name, expected="a finishReason")
        except genai_errors.APIError as error:
            error_type = str(error.status or "")
            message = str(error.message or "")
            raise status_error(
                self.name, error.code, message=message, error_type=error_type, detail=error_type, mid_stream=started
            ) from error
        except (TimeoutError, httpx2.TimeoutException) as error:
            raise ModelError(ErrorKind.TIMEOUT, model=self.name) from error
        except (aiohttp.ClientError, httpx2.HTTPError) as error:
            raise transport_error(self.name, started=started, detail=type(error).__name__) from error
        except (genai_errors.UnknownApiResponseError, ValueError, KeyError) as error:
            # A 200 whose body or event is not the API's JSON (the SDK's own error for it, or the decoder's).
            raise malformed_error(self.name, error) from error
        yield Completed(builder.build())


class _ResponseBuilder:
    """Joins streamed chunks into one response; text deltas are merged, function calls kept whole."""

    def __init__(self, model: str) -> None:
        self.model = model
        self.parts: list[TextPart | ToolCallPart] = []
        self.usage = Usage()
        self.finish_reason = ""

    def add(self, chunk: types.GenerateContentResponse) -> str:
        delta = ""
        if chunk.usage_metadata is not None:
            meta = chunk.usage_metadata
            # Usage is cumulative per chunk; the last one wins. Thinking tokens are billed as output.
            self.usage = Usage(
                input_tokens=meta.prompt_token_count or 0,
                output_tokens=(meta.candidates_token_count or 0) + (meta.thoughts_token_count or 0),
                cached_tokens=meta.cached_content_token_count or 0,
            )
        if not chunk.candidates:
            return ""
        candidate = chunk.candidates[0]
        if candidate.finish_reason is not None:
            self.finish_reason = str(candidate.finish_reason.value)
        for part in (candidate.content.parts if candidate.content else None) or []:
            signature = (
                Signature(provider=PROVIDER, value=base64.urlsafe_b64encode(part.thought_signature).decode())
                if part.thought_signature
                else None
            )
            if part.thought or (part.function_call is None and not part.text and signature is not None):
                # Thought summaries are not the answer, but a signature they (or an empty part streamed after the
                # turn's parts) carry must go back with the turn.
                if signature is not None:
                    self._keep_signature(signature)
                continue
            if part.function_call is not None:
                call = part.function_call
                self.parts.append(
                    ToolCallPart(
                        id=call.id or f"call_{uuid.uuid4().hex[:12]}",
                        name=call.name or "",
                        arguments=json.dumps(call.args or {}),
                        signature=signature,
                    )
                )
            elif part.text is not None or signature is not None:
                text = part.text or ""
                delta += text
                previous = self.parts[-1] if self.parts else None
                if isinstance(previous, TextPart) and signature is None and previous.signature is None:
                    self.parts[-1] = TextPart(text=previous.text + text)
                else:
                    self.parts.append(TextPart(text=text, signature=signature))
        return delta

    def _keep_signature(self, signature: Signature) -> None:
        """A signature that came on its own belongs to the turn's first function call if that came without one."""
        calls = [index for index, part in enumerate(self.parts) if isinstance(part, ToolCallPart)]
        if calls and self.parts[calls[0]].signature is None:
            self.parts[calls[0]] = self.parts[calls[0]].model_copy(update={"signature": signature})
        else:
            self.parts.append(TextPart(text="", signature=signature))

    def build(self) -> ModelResponse:
        if not self.parts and self.finish_reason == "MALFORMED_FUNCTION_CALL":
            raise ModelError(ErrorKind.BAD_REQUEST, model=self.model, detail="malformed function call")
        return ModelResponse(
            message=Message(role="assistant", parts=tuple(self.parts)),
            usage=self.usage,
            model=self.model,
            stop_reason=self.finish_reason,
        )


def _signature_bytes(signature: Signature | None) -> bytes | None:
    if signature is None or signature.provider != PROVIDER:
        return None
    padded = signature.value + "=" * (-len(signature.value) % 4)
    return base64.urlsafe_b64decode(padded)


def _contents(messages: Sequence[Message]) -> list[types.Content]:
    contents: list[types.Content] = []
    for message in messages:
        parts: list[types.Part] = []
        for part in message.parts:
            if isinstance(part, TextPart):
                signature = _signature_bytes(part.signature)
                if part.text or signature:
                    parts.append(types.Part(text=part.text, thought_signature=signature))
            elif isinstance(part, ToolCallPart):
                signature = _signature_bytes(part.signature)
                parts.append(
                    types.Part(
                        function_call=types.FunctionCall(id=part.id, name=part.name, args=part.arguments_for_replay()),
                        thought_signature=signature or base64.urlsafe_b64decode(_SKIP_SIGNATURE),
                    )
                )
            elif isinstance(part, ToolResultPart):
                result = _result_payload(part)
                parts.append(
                    types.Part(
                        function_response=types.FunctionResponse(id=part.call_id, name=part.name, response=result)
                    )
                )
        if parts:
            contents.append(types.Content(role="model" if message.role == "assistant" else "user", parts=parts))
    return contents


def _result_payload(part: ToolResultPart) -> dict[str, Any]:
    # Gemini wants an object; by convention "output" carries a result and "error" a failure.
    if part.is_error:
        return {"error": part.content}
    try:
        value = json.loads(part.content)
    except json.JSONDecodeError:
        return {"output": part.content}
    return {"output": value}


def gemini_schema(schema: dict[str, Any]) -> dict[str, Any]:
    """The JSON schema reduced to what Gemini's `Schema` accepts (no refs, no defaults, no extra keywords)."""

    def reduce(node: Any) -> Any:
        if not isinstance(node, dict):
            return node
        node = dict(node)
        if "const" in node:
            node["enum"] = [node.pop("const")]
        for key in ("anyOf", "oneOf"):
            options = node.pop(key, None)
            if options is None:
                continue
            non_null = [option for option in options if option.get("type") != "null"]
            if len(non_null) < len(options):
                node["nullable"] = True
            if len(non_null) == 1:
                merged = {**non_null[0], **{k: v for k, v in node.items() if k != "type"}}
                return reduce(merged)
            node["anyOf"] = non_null
        if isinstance(node.get("type"), list):
            types_ = [name for name in node["type"] if name != "null"]
            if len(types_) < len(node["type"]):
                node["nullable"] = True
            node["type"] = types_[0] if types_ else "string"
        if "enum" in node:
            node["enum"] = [str(value) for value in node["enum"]]
            node.setdefault("type", "string")
            if node["type"] != "string":
                node["type"] = "string"
        fmt = node.get("format")
        if fmt is not None and fmt not in _FORMATS.get(str(node.get("type")), set()):
            node.pop("format")
            node["description"] = f"{node.get('description', '')} (format: {fmt})".strip()
        reduced: dict[str, Any] = {}
        for key, value in node.items():
            if key not in _KEEP:
                continue
            if key == "properties":
                reduced[key] = {name: reduce(child) for name, child in value.items()}
            elif key == "items":
                reduced[key] = reduce(value)
            elif key == "anyOf":
                reduced[key] = [reduce(option) for option in value]
            else:
                reduced[key] = value
        return reduced

    reduced: dict[str, Any] = reduce(inline_refs(schema))
    return reduced
