"""Credit codes (GB 32100-2015), identity card numbers (GB 11643) and document uploads."""

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile

from orgs.validators import (
    DocumentFileValidator,
    credit_code_check_char,
    validate_credit_code,
    validate_document_file,
    validate_id_number,
)

from .factories import credit_code, id_number

# Published codes with a correct check character.
REAL_CREDIT_CODES = ["91350100M000100Y43", "91110000802100433B", "914403001922038216"]


@pytest.mark.parametrize("code", REAL_CREDIT_CODES)
def test_real_credit_codes_pass(code):
    validate_credit_code(code)
    validate_credit_code(code.lower())  # typed in lower case: accepted, stored upper


def test_generated_credit_code_passes():
    validate_credit_code(credit_code(42))


def test_check_character_computed_per_standard():
    assert credit_code_check_char("91350100M000100Y4") == "3"


def codes_of(error: ValidationError) -> set[str]:
    return {e.code or "" for e in error.error_list}


@pytest.mark.parametrize(
    ("code", "error"),
    [
        ("91350100M000100Y4", "credit_code_length"),
        ("91350100M000100Y44", "credit_code_check"),
        ("91350100M000100O43", "credit_code_chars"),
        ("Z1350100M000100Y43", "credit_code_chars"),
        ("B1350100M000100Y43", "credit_code_authority"),
    ],
)
def test_bad_credit_codes_are_refused_with_a_specific_reason(code, error):
    with pytest.raises(ValidationError) as caught:
        validate_credit_code(code)
    assert codes_of(caught.value) == {error}


def test_id_number_check_digit():
    validate_id_number("11010519491231002X")  # the standard's own example
    validate_id_number(id_number())
    with pytest.raises(ValidationError) as caught:
        validate_id_number("110105194912310021")
    assert codes_of(caught.value) == {"id_number_check"}


@pytest.mark.parametrize(
    ("value", "error"),
    [("1101051949123100", "id_number_format"), ("11010519491331002X", "id_number_birth")],
)
def test_bad_id_numbers(value, error):
    with pytest.raises(ValidationError) as caught:
        validate_id_number(value)
    assert codes_of(caught.value) == {error}


PDF = b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF"
PNG = b"\x89PNG\r\n\x1a\n" + b"\0" * 32
JPEG = b"\xff\xd8\xff\xe0" + b"\0" * 32


@pytest.mark.parametrize(("name", "content"), [("章程.pdf", PDF), ("证书.PNG", PNG), ("scan.jpeg", JPEG)])
def test_allowed_documents(name, content):
    validate_document_file(SimpleUploadedFile(name, content))


@pytest.mark.parametrize(
    ("name", "content", "error"),
    [
        ("章程.pdf", b"MZ\x90\x00 this is an exe", "file_type"),
        ("章程.pdf", PNG, "file_extension"),
        ("证书.exe", PDF, "file_extension"),
        ("empty.pdf", b"", "file_empty"),
    ],
)
def test_refused_documents(name, content, error):
    with pytest.raises(ValidationError) as caught:
        validate_document_file(SimpleUploadedFile(name, content))
    assert codes_of(caught.value) == {error}


def test_size_limit():
    with pytest.raises(ValidationError) as caught:
        DocumentFileValidator(max_bytes=64)(SimpleUploadedFile("big.pdf", PDF + b"0" * 100))
    assert codes_of(caught.value) == {"file_too_large"}
