"""One embedded font subset for every stamp of a document.

pyHanko embeds a fresh subset of the stamp font with each signature (about half of each
signature's bytes). Instead, ``embed`` (called once, when the document is rendered, before any
signature) writes one subset holding every glyph the document's stamps will need — each signer's
name and title, the fixed words, the digits and signs of the time — into the form's default
resources (``/AcroForm /DR /Font /ECabinetStamp``). ``factory`` then gives pyHanko a font engine
that shapes with the same font file and points at that subset instead of embedding another one.
A stamp needing a glyph the subset lacks (a name changed after rendering, an older document)
falls back to pyHanko's own subset.
"""

from __future__ import annotations

import io
from pathlib import Path

from pyhanko.pdf_utils import generic
from pyhanko.pdf_utils.font.api import FontEngineFactory
from pyhanko.pdf_utils.font.opentype import GlyphAccumulator, GlyphAccumulatorFactory
from pyhanko.pdf_utils.writer import BasePdfFileWriter, PdfFileWriter

RESOURCE = "/ECabinetStamp"
# Everything a stamp's time can show: "07/12/2026 11:48:04 (UTC+0700)", any zone.
TIME_CHARACTERS = "0123456789/:()+- UTC"


def _accumulator(writer: BasePdfFileWriter, font: Path, size: float) -> GlyphAccumulator:
    return GlyphAccumulator(writer, io.BytesIO(font.read_bytes()), size)


def embed(writer: BasePdfFileWriter, font: Path, size: float, lines: list[str]) -> None:
    """Embed one subset covering ``lines`` (every line any stamp will print) and the time's
    characters, and name it in the AcroForm's default resources."""
    engine = _accumulator(writer, font, size)
    for line in [*lines, TIME_CHARACTERS, *TIME_CHARACTERS]:
        engine.shape(line)
    engine.prepare_write()
    form = writer.root["/AcroForm"]
    resources = form.setdefault(generic.NameObject("/DR"), generic.DictionaryObject())
    fonts = resources.setdefault(generic.NameObject("/Font"), generic.DictionaryObject())
    fonts[generic.NameObject(RESOURCE)] = engine.as_resource()
    writer.update_container(form)


def _shared_font(writer: BasePdfFileWriter) -> generic.IndirectObject | None:
    try:
        fonts = writer.root["/AcroForm"]["/DR"]["/Font"]
        ref = fonts.raw_get(RESOURCE)
    except KeyError:
        return None
    return ref if isinstance(ref, generic.IndirectObject) else None


def _glyph_ids(font: generic.DictionaryObject) -> set[int]:
    """The CIDs (= glyph ids: Identity-H, CIDFontType2) the subset's /W array lists."""
    widths = font["/DescendantFonts"][0].get_object()["/W"]
    found: set[int] = set()
    items = list(widths)
    for first, chunk in zip(items[::2], items[1::2], strict=False):
        found.update(range(int(first), int(first) + len(chunk)))
    return found


class _SharedSubset(GlyphAccumulator):
    """Shapes like pyHanko's engine, but its resource is the document's shared subset."""

    def __init__(self, writer: BasePdfFileWriter, font: Path, size: float, ref: object) -> None:
        super().__init__(writer, io.BytesIO(font.read_bytes()), size)
        self._font_ref = ref
        self._write_prepared = True  # nothing to embed


class _SharedFactory(FontEngineFactory):
    def __init__(self, font: Path, size: float, ref: generic.IndirectObject) -> None:
        self.font, self.size, self.ref = font, size, ref

    def create_font_engine(
        self, writer: BasePdfFileWriter, obj_stream: object = None
    ) -> GlyphAccumulator:
        return _SharedSubset(writer, self.font, self.size, self.ref)


def factory(
    writer: BasePdfFileWriter, font: Path, size: float, lines: list[str]
) -> FontEngineFactory:
    """The shared subset when the document has one holding every glyph of ``lines``, else
    pyHanko's per-stamp subset."""
    ref = _shared_font(writer)
    if ref is not None:
        probe = _accumulator(PdfFileWriter(), font, size)  # shapes only; writes nothing here
        for line in lines:
            probe.shape(line)
        if set(probe._glyphs) <= _glyph_ids(ref.get_object()):
            return _SharedFactory(font, size, ref)
    return GlyphAccumulatorFactory(str(font), font_size=size)
