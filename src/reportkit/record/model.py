"""The conference record: the data contract other tools and tests depend on.

Every text is either a plain string in the record's `language`, or a mapping of language code to
string. A mapping value may also be a machine translation with its provenance
(`{text: ..., machine: {from: ar, via: en, engine: ...}}`), so a later export can tell human from
machine text.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Annotated, Any

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    PlainSerializer,
    StrictInt,
    field_validator,
    model_validator,
)

from ..languages import is_language
from .text import TextCharacterError, check_characters

_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def check_plain_text(value: Any) -> str:
    """A text's characters are ones a record may hold (the rules are in `record.text`)."""
    if not isinstance(value, str):
        raise ValueError(f"must be text, not {_kind(value)}")
    check_characters(value)
    return value


class Provenance(BaseModel):
    """Where a machine translation came from."""

    model_config = ConfigDict(extra="forbid", populate_by_name=True, frozen=True)
    from_: str = Field(alias="from")
    via: str | None = None
    engine: str = "argostranslate"

    @field_validator("from_", "via")
    @classmethod
    def _known(cls, value: str | None) -> str | None:
        if value is not None and not is_language(value):
            raise ValueError(f"unknown language code {value!r}")
        return value


class MachineText(BaseModel):
    """A machine translation, kept apart from human text by its provenance."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    text: Annotated[str, BeforeValidator(check_plain_text)]
    machine: Provenance


def _check_text(value: Any) -> Any:
    if isinstance(value, str):
        check_plain_text(value)
        if not value.strip():
            raise ValueError("must not be empty")
        return value
    if isinstance(value, dict):
        if not value:
            raise ValueError("must not be an empty mapping")
        out: dict[str, str | MachineText] = {}
        for code, text in value.items():
            if not isinstance(code, str) or not is_language(code):
                raise ValueError(
                    f"unknown language code {code!r} (use ISO 639-1 codes: ar, en, fr…)"
                )
            if isinstance(text, dict):
                if "text" in text and isinstance(text["text"], str):
                    try:
                        check_characters(text["text"])
                    except TextCharacterError as err:
                        raise err.below(code, "text") from None
                out[code] = MachineText.model_validate(text)
            elif isinstance(text, MachineText):
                out[code] = text
            else:
                try:
                    out[code] = check_plain_text(text)
                except TextCharacterError as err:
                    raise err.below(code) from None
                except ValueError as err:
                    raise ValueError(f"{code}: {err}") from None
        return out
    if isinstance(value, MachineText):
        return value
    raise ValueError(f"must be text or a mapping of language code to text, not {_kind(value)}")


def _serialize_text(value: Any) -> Any:
    if isinstance(value, dict):
        return {
            k: (v.model_dump(by_alias=True, exclude_none=True) if isinstance(v, MachineText) else v)
            for k, v in value.items()
        }
    return value


Text = Annotated[
    str | dict[str, str | MachineText],
    BeforeValidator(_check_text),
    PlainSerializer(_serialize_text),
]
PlainText = Annotated[str, BeforeValidator(check_plain_text)]


def _check_date(value: Any) -> Any:
    if isinstance(value, dt.date) and not isinstance(value, dt.datetime):
        return value
    if not isinstance(value, str) or not _ISO_DATE.match(value):
        raise ValueError(f"must be a date written YYYY-MM-DD, not {value!r}")
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise ValueError(f"{value!r} is not a date that exists") from None


IsoDate = Annotated[dt.date, BeforeValidator(_check_date)]


def _kind(value: Any) -> str:
    return {dict: "a mapping", list: "a list", bool: "true/false", type(None): "nothing"}.get(
        type(value), f"a {type(value).__name__}"
    )


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Conference(_Strict):
    title: Text
    number: StrictInt | None = Field(default=None, ge=1)
    organizer: Text | None = None
    city: Text | None = None
    country: Text | None = None
    start_date: IsoDate | None = None
    end_date: IsoDate | None = None
    reference: PlainText | None = None

    @model_validator(mode="after")
    def _dates_in_order(self) -> Conference:
        if self.start_date and self.end_date and self.end_date < self.start_date:
            raise ValueError("end_date is before start_date")
        return self


class Recommendation(_Strict):
    text: Text
    category: Text | None = None


class Section(_Strict):
    heading: Text
    paragraphs: list[Text] = []


class Record(_Strict):
    """A conference record, validated."""

    language: str = "ar"
    conference: Conference
    summary: Text | None = None
    participants: list[Text] = []
    topics: list[Text] = []
    recommendations: list[Recommendation] = []
    sections: list[Section] = []

    @field_validator("language", mode="before")
    @classmethod
    def _known_language(cls, value: Any) -> str:
        if not isinstance(value, str) or not is_language(value):
            raise ValueError(f"unknown language code {value!r} (use ISO 639-1 codes: ar, en, fr…)")
        return value

    def to_data(self) -> dict[str, Any]:
        """The record as plain data, the shape it is written in (YAML/JSON)."""
        return self.model_dump(mode="json", by_alias=True, exclude_defaults=True)
