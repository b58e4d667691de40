"""Schemas of the insights API. They parse the query; banking.selectors.insights decides what is valid (the
range, the months, the currency) and answers 400 naming the parameter."""

import datetime
from typing import Literal

from ninja import Schema
from pydantic import Field, field_validator

from saas.schemas import IsoDate, Text


class _Query(Schema):
    @field_validator("*", mode="before")
    @classmethod
    def _empty_is_unset(cls, value: object) -> object:
        return None if value == "" else value


class SpendingQuery(_Query):
    date_from: IsoDate | None = Field(None, alias="from", description="First day (default: twelve months ago).")
    date_to: IsoDate | None = Field(None, alias="to", description="Last day (default: today).")
    group_by: Literal["category", "month", "merchant"] | None = None
    currency: Text | None = Field(None, description="ISO 4217 code (default: your main currency).")


class CashflowQuery(_Query):
    months: int | None = Field(None, description="How many months, this one included: 1 to 60 (default 12).")
    currency: Text | None = Field(None, description="ISO 4217 code (default: your main currency).")


class NetWorthQuery(_Query):
    months: int | None = Field(None, description="How many month ends, this month's last: 1 to 60 (default 12).")


class SpendingRowOut(Schema):
    key: str
    label: str
    amount: int


class SpendingOut(Schema):
    currency: str
    date_from: datetime.date = Field(alias="from")
    date_to: datetime.date = Field(alias="to")
    rows: list[SpendingRowOut]
    total: int


class CashflowMonthOut(Schema):
    month: str
    income: int
    expenses: int
    net: int


class CashflowOut(Schema):
    currency: str
    months: list[CashflowMonthOut]


class NetWorthPointOut(Schema):
    date: datetime.date
    balance: int


class NetWorthSeriesOut(Schema):
    currency: str
    points: list[NetWorthPointOut]


class NetWorthOut(Schema):
    series: list[NetWorthSeriesOut]
