"""Stage 1: the record — load, validate, and resolve its texts."""

from .load import (
    LoadedRecord,
    load_record,
    parse_data,
    read_record,
    record_from_bytes,
    record_from_data,
)
from .model import Conference, MachineText, Provenance, Recommendation, Record, Section

__all__ = [
    "Conference",
    "LoadedRecord",
    "MachineText",
    "Provenance",
    "Recommendation",
    "Record",
    "Section",
    "load_record",
    "read_record",
    "parse_data",
    "record_from_bytes",
    "record_from_data",
]
