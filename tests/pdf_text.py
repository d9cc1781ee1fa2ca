"""The text a reader of a generated PDF sees. fpdf2 compresses page content, so searching the
raw bytes for a word finds nothing whether or not it is there: tests extract the text first."""

from __future__ import annotations

import io

from pypdf import PdfReader


def pdf_text(data: bytes) -> str:
    reader = PdfReader(io.BytesIO(data))
    return "\n".join(page.extract_text() or "" for page in reader.pages)
