"""Parsing of single cell values from customer / vehicle / visit / event exports.

Each ``parse_*`` function takes a raw cell (``str`` from a CSV, or the Python object
openpyxl gives for an xlsx cell) and returns a clean value, ``None`` for a blank cell,
or raises :class:`BadValue` whose text is the reason in Chinese. One module per family:
`dates`, `numbers` (km, amounts), `ids` (phones, VINs), `idcard` (身份证号: birth date and gender only), `words` (text, yes/no, visit kinds);
`cells` holds what they share.
"""

from __future__ import annotations

from lifecycle_cli.ingest.values.cells import BadValue
from lifecycle_cli.ingest.values.dates import known_date, parse_date
from lifecycle_cli.ingest.values.idcard import IdFacts, parse_id_number
from lifecycle_cli.ingest.values.ids import Phone, Vin, parse_phone, parse_vin, tidy_vin, vin_check_digit
from lifecycle_cli.ingest.values.numbers import parse_amount, parse_km
from lifecycle_cli.ingest.values.words import VISIT_KINDS, parse_bool, parse_text, parse_visit_kind

__all__ = [
    "VISIT_KINDS",
    "BadValue",
    "IdFacts",
    "Phone",
    "Vin",
    "known_date",
    "parse_amount",
    "parse_bool",
    "parse_date",
    "parse_id_number",
    "parse_km",
    "parse_phone",
    "parse_text",
    "parse_vin",
    "parse_visit_kind",
    "tidy_vin",
    "vin_check_digit",
]
