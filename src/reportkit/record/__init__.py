"""Stage 1: the record — load, validate, and resolve its texts."""

from .load import load_record, parse_data, record_from_data
from .model import Conference, MachineText, Provenance, Recommendation, Record, Section

__all__ = [
    "Conference",
    "MachineText",
    "Provenance",
    "Recommendation",
    "Record",
    "Section",
    "load_record",
    "parse_data",
    "record_from_data",
]
