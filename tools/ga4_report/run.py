"""Running reports: cached ones from the workspace cache, the rest in as few batchRunReports calls as possible;
GA4's terse incompatibility error explained."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence

from google.analytics.data_v1beta.types import (
    CheckCompatibilityRequest,
    Compatibility,
    RunReportRequest,
)

from tools.base import ToolError
from tools.context import ToolContext
from tools.errors import google_errors
from tools.ga4_report.catalog import Ga4Catalog, load_catalog, require_ga4
from tools.ga4_report.prepare import prepare_report
from tools.ga4_report.results import ParsedReport, parse_response
from tools.ga4_report.spec import ReportSpec
from tools.google.errors import GoogleBadRequest
from tools.google.ga4 import Ga4Api

REPORT_TTL = 300.0


async def _explain_incompatibility(ga4: Ga4Api, request: RunReportRequest, error: GoogleBadRequest) -> ToolError:
    """Turn GA4's terse incompatibility error into which fields clash and what would work instead."""
    check = CheckCompatibilityRequest(
        property=request.property,
        dimensions=list(request.dimensions),
        metrics=list(request.metrics),
        compatibility_filter=Compatibility.INCOMPATIBLE,
    )
    async with google_errors():
        answer = await ga4.check_compatibility(check)
    requested = {d.name for d in request.dimensions} | {m.name for m in request.metrics}
    clashing = [c.dimension_metadata.api_name for c in answer.dimension_compatibilities] + [
        c.metric_metadata.api_name for c in answer.metric_compatibilities
    ]
    in_request = [name for name in clashing if name in requested]
    detail = f" Incompatible here: {', '.join(in_request)}." if in_request else ""
    return ToolError(
        f"GA4 cannot combine these dimensions and metrics: {error.message}{detail} "
        "Item-scoped fields (itemName, itemRevenue, …) only combine with other item-scoped or date fields; "
        "split the question into separate reports."
    )


async def run_reports(
    ctx: ToolContext, specs: Sequence[ReportSpec], *, catalog: Ga4Catalog | None = None
) -> list[ParsedReport]:
    """Run several reports needed together: cached ones from the workspace cache, the rest in batchRunReports.

    Names are checked against `catalog`, by default the property's own (getMetadata, cached for an hour); a caller
    that asks only for standard fields passes `CORE_CATALOG` and saves that call."""
    ga4, resource = require_ga4(ctx)
    if catalog is None:
        catalog = await load_catalog(ctx)
    prepared = [prepare_report(spec, catalog, ctx=ctx, resource=resource) for spec in specs]
    results: list[ParsedReport | None] = [None] * len(prepared)
    missing: list[int] = []
    for index, item in enumerate(prepared):
        found, value = ctx.cache.peek(item.key)
        if found:
            results[index] = parse_response(value, item, ctx)
        else:
            missing.append(index)
    if missing:
        requests = [prepared[i].request for i in missing]
        try:
            async with google_errors():
                if len(requests) == 1:
                    responses = [await ga4.run_report(requests[0])]
                else:
                    responses = await ga4.batch_run_reports(resource, requests)
        except ToolError as error:
            cause = error.__cause__
            if isinstance(cause, GoogleBadRequest) and "incompatible" in cause.message.lower():
                explained = await asyncio.gather(*(_explain_incompatibility(ga4, r, cause) for r in requests))
                pinned = [e for e in explained if "Incompatible here" in str(e)]
                raise (pinned or explained)[0] from cause
            raise
        for index, response in zip(missing, responses, strict=True):
            ctx.cache.put(prepared[index].key, response, ttl=REPORT_TTL)
            results[index] = parse_response(response, prepared[index], ctx)
    parsed = [r for r in results if r is not None]
    status = ga4.quota_status(resource)
    if status is not None and status.low:
        for report in parsed:
            report.notes.append(status.describe())
    return parsed


async def run_report(ctx: ToolContext, spec: ReportSpec) -> ParsedReport:
    return (await run_reports(ctx, [spec]))[0]
