"""Validators of the registry's identifiers and uploads, shared by models, forms, the API
and imports.

- the unified social credit code (统一社会信用代码, GB 32100-2015): 18 characters whose last
  one is a check character over the first 17;
- the resident identity card number (居民身份证号码, GB 11643-1999): 18 characters whose last
  one is a check digit (0-9 or X) over the first 17, with a real birth date inside;
- documents (charter, certificate scans): PDF, JPEG or PNG, recognised by their first bytes
  (the file's content, not its name), at most 10 MB.
"""

from __future__ import annotations

import datetime
from pathlib import PurePath
from typing import Any

from django.core.exceptions import ValidationError
from django.utils.deconstruct import deconstructible
from django.utils.translation import gettext_lazy as _

# GB 32100-2015: the 31 characters allowed (no I, O, S, V, Z) and the weights of positions 1-17.
CREDIT_CODE_CHARSET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
CREDIT_CODE_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)
# Registration authority codes (position 1) and the organisation kinds (position 2) per authority.
CREDIT_CODE_AUTHORITIES = "123456789ANY"

# GB 11643-1999: weights of positions 1-17 and the check character for each remainder mod 11.
ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
ID_CHECK = "10X98765432"


def credit_code_check_char(first17: str) -> str:
    """The check character that completes the first 17 characters of a credit code."""
    total = sum(CREDIT_CODE_CHARSET.index(c) * w for c, w in zip(first17, CREDIT_CODE_WEIGHTS, strict=True))
    return CREDIT_CODE_CHARSET[(31 - total % 31) % 31]


def normalize_credit_code(value: str) -> str:
    return (value or "").strip().upper()


def validate_credit_code(value: str) -> None:
    """Refuse a unified social credit code whose length, characters or check character is wrong."""
    code = normalize_credit_code(value)
    if len(code) != 18:
        raise ValidationError(
            _("A unified social credit code has 18 characters; this one has %(n)d."),
            code="credit_code_length",
            params={"n": len(code)},
        )
    bad = sorted({c for c in code if c not in CREDIT_CODE_CHARSET})
    if bad:
        raise ValidationError(
            _("A unified social credit code cannot contain %(chars)s (I, O, S, V and Z are never used)."),
            code="credit_code_chars",
            params={"chars": "、".join(bad)},
        )
    if code[0] not in CREDIT_CODE_AUTHORITIES:
        raise ValidationError(
            _(
                "The first character of a unified social credit code names the registering authority; %(c)s is not one."
            ),
            code="credit_code_authority",
            params={"c": code[0]},
        )
    expected = credit_code_check_char(code[:17])
    if code[17] != expected:
        raise ValidationError(
            _(
                "The check character of this unified social credit code is wrong (it should be %(c)s); please check for a typing error."
            ),
            code="credit_code_check",
            params={"c": expected},
        )


def id_number_check_char(first17: str) -> str:
    return ID_CHECK[sum(int(c) * w for c, w in zip(first17, ID_WEIGHTS, strict=True)) % 11]


def birth_date_from_id_number(value: str) -> datetime.date | None:
    try:
        return datetime.date(int(value[6:10]), int(value[10:12]), int(value[12:14]))
    except (ValueError, IndexError):
        return None


def validate_id_number(value: str) -> None:
    """Refuse an 18-digit resident identity card number with a bad birth date or check digit."""
    number = (value or "").strip().upper()
    if len(number) != 18 or not number[:17].isdigit() or not (number[17].isdigit() or number[17] == "X"):
        raise ValidationError(
            _("An identity card number has 17 digits followed by a digit or X."), code="id_number_format"
        )
    born = birth_date_from_id_number(number)
    if born is None or born.year < 1900 or born > datetime.date.today():  # noqa: DTZ011 - a calendar date
        raise ValidationError(
            _("The birth date inside this identity card number (%(s)s) is not a real date."),
            code="id_number_birth",
            params={"s": number[6:14]},
        )
    if number[17] != id_number_check_char(number[:17]):
        raise ValidationError(
            _("The check digit of this identity card number is wrong; please check for a typing error."),
            code="id_number_check",
        )


# Content signatures of the allowed document types, and the extensions each may carry.
DOCUMENT_SIGNATURES: dict[str, tuple[bytes, tuple[str, ...]]] = {
    "pdf": (b"%PDF-", (".pdf",)),
    "jpeg": (b"\xff\xd8\xff", (".jpg", ".jpeg")),
    "png": (b"\x89PNG\r\n\x1a\n", (".png",)),
}
MAX_DOCUMENT_BYTES = 10 * 1024 * 1024


def sniff_document_type(head: bytes) -> str | None:
    for kind, (magic, _extensions) in DOCUMENT_SIGNATURES.items():
        if head.startswith(magic):
            return kind
    return None


@deconstructible
class DocumentFileValidator:
    """A scan or a PDF: checked by its first bytes and its size, and its name must agree."""

    def __init__(self, max_bytes: int = MAX_DOCUMENT_BYTES):
        self.max_bytes = max_bytes

    def __call__(self, file: Any) -> None:
        size = getattr(file, "size", None) or 0
        if size > self.max_bytes:
            raise ValidationError(
                _("The file is %(size).1f MB; at most %(limit)d MB are allowed."),
                code="file_too_large",
                params={"size": size / 1024 / 1024, "limit": self.max_bytes // 1024 // 1024},
            )
        if size == 0:
            raise ValidationError(_("The file is empty."), code="file_empty")
        position = file.tell() if hasattr(file, "tell") else 0
        file.seek(0)
        head = file.read(16)
        file.seek(position)
        kind = sniff_document_type(head)
        if kind is None:
            raise ValidationError(
                _("Only PDF, JPG and PNG files are accepted; the content of this file is none of them."),
                code="file_type",
            )
        extension = PurePath(getattr(file, "name", "") or "").suffix.lower()
        if extension not in DOCUMENT_SIGNATURES[kind][1]:
            raise ValidationError(
                _(
                    "The file's name ends in “%(ext)s” but its content is a %(kind)s file; please rename or re-export it."
                ),
                code="file_extension",
                params={"ext": extension or "—", "kind": kind.upper()},
            )

    def __eq__(self, other: object) -> bool:
        return isinstance(other, DocumentFileValidator) and other.max_bytes == self.max_bytes


validate_document_file = DocumentFileValidator()
