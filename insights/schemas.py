"""The JSON a leader's tools get: one schema for one audience, output only.

Every count is an object {"value": n, "suppressed": false}; a suppressed one is
{"value": null, "suppressed": true} (and "withheld": true for a period under k), so a
client can never mistake a hidden cell for a zero.
"""

from __future__ import annotations

from marshmallow import Schema, fields


class _Out(Schema):
    class Meta:
        ordered = True


class FigureSchema(_Out):
    value = fields.Integer(allow_none=True, dump_only=True)
    suppressed = fields.Boolean(dump_only=True)


class CasesSchema(FigureSchema):
    withheld = fields.Boolean(dump_only=True)


class CategorySchema(FigureSchema):
    category = fields.String(dump_only=True)
    label = fields.String(dump_only=True)


class DurationSchema(_Out):
    median_days = fields.Integer(dump_only=True)
    p90_days = fields.Integer(allow_none=True, dump_only=True)


class DeadlineSchema(_Out):
    kept_share = fields.Float(dump_only=True)


class TablesSchema(_Out):
    nature = fields.List(fields.Nested(CategorySchema), dump_only=True)
    level = fields.List(fields.Nested(CategorySchema), dump_only=True)
    relation = fields.List(fields.Nested(CategorySchema), dump_only=True)
    aggravating = fields.List(fields.Nested(CategorySchema), dump_only=True)
    reaction = fields.List(fields.Nested(CategorySchema), dump_only=True)


class DurationsSchema(_Out):
    acknowledge = fields.Nested(DurationSchema, allow_none=True, dump_only=True)
    close = fields.Nested(DurationSchema, allow_none=True, dump_only=True)


class DeadlinesSchema(_Out):
    acknowledge = fields.Nested(DeadlineSchema, allow_none=True, dump_only=True)
    feedback = fields.Nested(DeadlineSchema, allow_none=True, dump_only=True)


class PeriodSchema(_Out):
    period = fields.String(dump_only=True)
    label = fields.String(dump_only=True)
    grain = fields.String(dump_only=True)
    starts_on = fields.Date(dump_only=True)
    ends_on = fields.Date(dump_only=True)
    k = fields.Integer(dump_only=True)
    cases = fields.Nested(CasesSchema, dump_only=True)
    tables = fields.Nested(TablesSchema, dump_only=True)
    durations = fields.Nested(DurationsSchema, dump_only=True)
    deadlines = fields.Nested(DeadlinesSchema, dump_only=True)


class YearTotalsSchema(_Out):
    cases = fields.Nested(CasesSchema, dump_only=True)
    tables = fields.Nested(TablesSchema, dump_only=True)


class YearSchema(_Out):
    year = fields.Integer(dump_only=True)
    complete = fields.Boolean(dump_only=True)
    periods = fields.List(fields.Nested(PeriodSchema), dump_only=True)
    totals = fields.Nested(YearTotalsSchema, allow_none=True, dump_only=True)


class OrganisationSchema(_Out):
    slug = fields.String(dump_only=True)
    name = fields.String(dump_only=True)


class NoiseSchema(_Out):
    mechanism = fields.String(dump_only=True)
    epsilon = fields.Float(dump_only=True)  # the budget ...
    per = fields.String(dump_only=True)  # ... per organisation and year


class StatisticsSchema(_Out):
    """GET /api/v1/orgs/<slug>/statistics (and …/statistics/members)."""

    organisation = fields.Nested(OrganisationSchema, dump_only=True)
    scope = fields.String(dump_only=True)
    member_organisations = fields.Integer(allow_none=True, dump_only=True)
    refused = fields.Boolean(dump_only=True)  # an umbrella view this viewer may not see
    k = fields.Integer(dump_only=True)
    release_delay_days = fields.Integer(dump_only=True)
    noise = fields.Nested(NoiseSchema, allow_none=True, dump_only=True)
    generated_on = fields.Date(dump_only=True)
    next_release_on = fields.Date(dump_only=True)
    years = fields.List(fields.Nested(YearSchema), dump_only=True)
