"""What a tool asks GA4 for: `ReportSpec` and its filters and orderings, validated by pydantic, in the GA4 Data
API's field names (snake_case)."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field, model_validator

from tools.dates import DateRangeInput

MAX_LIMIT = 10_000


class StringFilter(BaseModel):
    match_type: Literal["EXACT", "BEGINS_WITH", "ENDS_WITH", "CONTAINS", "FULL_REGEXP", "PARTIAL_REGEXP"] = "EXACT"
    value: str
    case_sensitive: bool = False


class InListFilter(BaseModel):
    values: list[str] = Field(min_length=1)
    case_sensitive: bool = False


class NumericFilter(BaseModel):
    operation: Literal["EQUAL", "LESS_THAN", "LESS_THAN_OR_EQUAL", "GREATER_THAN", "GREATER_THAN_OR_EQUAL"]
    value: float


class BetweenFilter(BaseModel):
    from_value: float
    to_value: float


class FieldFilter(BaseModel):
    """One condition on one field; set exactly one of the four filter kinds."""

    field_name: str
    string_filter: StringFilter | None = None
    in_list_filter: InListFilter | None = None
    numeric_filter: NumericFilter | None = None
    between_filter: BetweenFilter | None = None

    @model_validator(mode="after")
    def _one_kind(self) -> FieldFilter:
        kinds = [self.string_filter, self.in_list_filter, self.numeric_filter, self.between_filter]
        if sum(kind is not None for kind in kinds) != 1:
            raise ValueError("set exactly one of string_filter, in_list_filter, numeric_filter, between_filter")
        return self


class FilterExpressionList(BaseModel):
    expressions: list[FilterExpression] = Field(min_length=1)


class FilterExpression(BaseModel):
    """GA4 FilterExpression: exactly one of and_group, or_group, not_expression, filter."""

    and_group: FilterExpressionList | None = None
    or_group: FilterExpressionList | None = None
    not_expression: FilterExpression | None = None
    filter: FieldFilter | None = None

    @model_validator(mode="after")
    def _one_kind(self) -> FilterExpression:
        kinds = [self.and_group, self.or_group, self.not_expression, self.filter]
        if sum(kind is not None for kind in kinds) != 1:
            raise ValueError("set exactly one of and_group, or_group, not_expression, filter")
        return self

    def field_names(self) -> list[str]:
        if self.filter is not None:
            return [self.filter.field_name]
        group = self.and_group or self.or_group
        if group is not None:
            return [name for child in group.expressions for name in child.field_names()]
        return self.not_expression.field_names() if self.not_expression else []

    def renamed(self, mapping: dict[str, str]) -> FilterExpression:
        data = self.model_dump(exclude_none=True)
        _rename_fields(data, mapping)
        return FilterExpression.model_validate(data)

    def to_wire(self) -> dict[str, object]:
        """The proto-plus mapping: numbers become GA4 NumericValue objects."""
        data = self.model_dump(exclude_none=True)
        _numbers_to_wire(data)
        return data


FilterExpressionList.model_rebuild()


def _numbers_to_wire(node: object) -> None:
    if isinstance(node, dict):
        numeric = node.get("numeric_filter")
        if isinstance(numeric, dict):
            numeric["value"] = {"double_value": numeric["value"]}
        between = node.get("between_filter")
        if isinstance(between, dict):
            between["from_value"] = {"double_value": between["from_value"]}
            between["to_value"] = {"double_value": between["to_value"]}
        for key, value in node.items():
            if key not in ("numeric_filter", "between_filter"):
                _numbers_to_wire(value)
    elif isinstance(node, list):
        for value in node:
            _numbers_to_wire(value)


def _rename_fields(node: object, mapping: dict[str, str]) -> None:
    if isinstance(node, dict):
        if "field_name" in node and node["field_name"] in mapping:
            node["field_name"] = mapping[node["field_name"]]
        for value in node.values():
            _rename_fields(value, mapping)
    elif isinstance(node, list):
        for value in node:
            _rename_fields(value, mapping)


class MetricOrderBy(BaseModel):
    metric_name: str


class DimensionOrderBy(BaseModel):
    dimension_name: str
    order_type: Literal["ALPHANUMERIC", "CASE_INSENSITIVE_ALPHANUMERIC", "NUMERIC"] = "ALPHANUMERIC"


class OrderBy(BaseModel):
    """Sort by one metric or one dimension."""

    metric: MetricOrderBy | None = None
    dimension: DimensionOrderBy | None = None
    desc: bool = False

    @model_validator(mode="after")
    def _one_kind(self) -> OrderBy:
        if (self.metric is None) == (self.dimension is None):
            raise ValueError("set exactly one of metric or dimension")
        return self


class ReportSpec(BaseModel):
    """One GA4 report. Field names follow the GA4 Data API in snake_case."""

    metrics: list[str] = Field(
        min_length=1, max_length=10, description="GA4 metric API names, e.g. sessions, keyEvents."
    )
    date_ranges: list[DateRangeInput] = Field(min_length=1, max_length=4, description="1 to 4 date ranges.")
    dimensions: list[str] = Field(default_factory=list, max_length=9, description="GA4 dimension API names, e.g. date.")
    dimension_filter: FilterExpression | None = None
    metric_filter: FilterExpression | None = None
    order_bys: list[OrderBy] = Field(default_factory=list)
    limit: int | None = Field(default=None, ge=1, le=MAX_LIMIT, description="Most rows to fetch (default 250).")
